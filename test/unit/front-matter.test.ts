import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { parseFrontMatter, parseYamlObject } from '../../src/sources/front-matter.js';

function failure(fn: () => unknown): { code: string; file?: string; line?: number; text: string } {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof IsrError)) throw err;
    return { code: err.code, file: err.file, line: err.line, text: err.toLine() };
  }
  throw new Error('expected a front matter error');
}

describe('front matter', () => {
  it('splits YAML data from the Markdown body', () => {
    expect(parseFrontMatter('---\ntitle: Hello\ntags: [a, b]\n---\nBody text\n', 'p.md')).toEqual({
      data: { title: 'Hello', tags: ['a', 'b'] },
      body: 'Body text\n',
    });
  });

  it('returns the whole text as body when there is no front matter', () => {
    expect(parseFrontMatter('# Title\n---\nnot front matter\n', 'p.md')).toEqual({ data: {}, body: '# Title\n---\nnot front matter\n' });
  });

  it('ignores a byte order mark and reads CRLF line endings', () => {
    expect(parseFrontMatter('\ufeff---\r\ntitle: Hi\r\n---\r\nBody', 'p.md')).toEqual({ data: { title: 'Hi' }, body: 'Body' });
  });

  it('accepts an empty front matter block', () => {
    expect(parseFrontMatter('---\n---\nBody\n', 'p.md')).toEqual({ data: {}, body: 'Body\n' });
  });

  it('accepts front matter that ends the file', () => {
    expect(parseFrontMatter('---\ntitle: Only\n---', 'p.md')).toEqual({ data: { title: 'Only' }, body: '' });
  });

  it('points a YAML error at its line in the Markdown file (file:line), not the line inside the block', () => {
    const f = failure(() => parseFrontMatter('---\ntitle: Hello\ntitle: again\n---\nBody\n', 'content/posts/p.md'));
    expect(f).toEqual({
      code: 'FRONT_MATTER',
      file: 'content/posts/p.md',
      line: 3,
      text: 'content/posts/p.md:3: invalid YAML: Map keys must be unique (fix the YAML syntax)',
    });
  });

  it('reports an unclosed flow list at the line where YAML gives up', () => {
    const f = failure(() => parseFrontMatter('---\ntitle: Hello\ntags: [a, b\ndate: 2026-01-01\n---\nBody\n', 'p.md'));
    expect(f.text).toBe(
      'p.md:4: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] (fix the YAML syntax)',
    );
  });

  it('gives the exact line of a bad indentation', () => {
    const f = failure(() => parseFrontMatter('---\ntitle: a\nauthor:\n  name: x\n bad: y\n---\n', 'p.md'));
    expect(f.line).toBe(5);
  });

  it('refuses front matter that is never closed', () => {
    expect(failure(() => parseFrontMatter('---\ntitle: a\nbody', 'p.md'))).toEqual({
      code: 'FRONT_MATTER',
      file: 'p.md',
      line: 1,
      text: 'p.md:1: front matter opened with "---" is never closed (add a closing "---" line)',
    });
  });

  it('refuses front matter that is a list, not key: value pairs', () => {
    expect(failure(() => parseFrontMatter('---\n- a\n- b\n---\n', 'p.md')).text).toBe(
      'p.md:2: expected YAML key: value pairs, found a list (front matter must be a mapping such as "title: Hello")',
    );
  });

  it('reads a YAML data file with lines counted from 1', () => {
    expect(parseYamlObject('a: 1\nb: [x]\n', 'd.yaml')).toEqual({ a: 1, b: ['x'] });
    expect(parseYamlObject('', 'd.yaml')).toEqual({});
    expect(failure(() => parseYamlObject('a: 1\nb: "open\n', 'd.yaml')).file).toBe('d.yaml');
    expect(failure(() => parseYamlObject('just a string', 'd.yaml')).text).toBe(
      'd.yaml:1: expected YAML key: value pairs, found string (front matter must be a mapping such as "title: Hello")',
    );
  });
});
