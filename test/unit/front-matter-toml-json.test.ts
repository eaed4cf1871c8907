import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { parseFrontMatter } from '../../src/sources/front-matter.js';

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof IsrError)) throw err;
    return `${err.code} ${err.toLine()}`;
  }
  throw new Error('expected a front matter error');
}

describe('TOML and JSON front matter', () => {
  it('reads a +++ TOML block (Hugo), dates as the strings they were written as', () => {
    const text =
      '+++\ntitle = "Install"\ndraft = true\nweight = 20\ndate = 2024-05-01T10:00:00+02:00\naliases = ["/old/"]\n[params]\nicon = "box"\n+++\nBody\n';
    expect(parseFrontMatter(text, 'content/install.md')).toEqual({
      data: {
        title: 'Install',
        draft: true,
        weight: 20,
        date: '2024-05-01T10:00:00.000+02:00',
        aliases: ['/old/'],
        params: { icon: 'box' },
      },
      body: 'Body\n',
    });
  });

  it('reads a leading JSON object (Hugo) and ---json (Eleventy)', () => {
    expect(parseFrontMatter('{\n  "title": "A {brace} \\"quoted\\"",\n  "tags": ["x"]\n}\n\nBody', 'a.md')).toEqual({
      data: { title: 'A {brace} "quoted"', tags: ['x'] },
      body: '\nBody',
    });
    expect(parseFrontMatter('---json\n{ "title": "E" }\n---\nBody', 'e.md')).toEqual({ data: { title: 'E' }, body: 'Body' });
  });

  it('leaves a body that opens with a shortcode or a Liquid tag alone', () => {
    expect(parseFrontMatter('{{< note >}}hi{{< /note >}}', 'a.md')).toEqual({ data: {}, body: '{{< note >}}hi{{< /note >}}' });
    expect(parseFrontMatter('{% raw %}x', 'a.md').data).toEqual({});
  });

  it('gives a bad TOML block as one error with the line in the Markdown file', () => {
    expect(failure(() => parseFrontMatter('+++\ntitle = "ok"\ndraft = \n+++\nBody', 'content/a.md'))).toBe(
      'FRONT_MATTER content/a.md:3: invalid TOML: invalid value (fix the TOML syntax)',
    );
    expect(failure(() => parseFrontMatter('+++\ntitle = "x"\nBody', 'content/b.md'))).toBe(
      'FRONT_MATTER content/b.md:1: front matter opened with "+++" is never closed (add a closing "+++" line)',
    );
    expect(failure(() => parseFrontMatter('{ "title": "x",\n "a": }\nBody', 'content/c.md'))).toMatch(
      /^FRONT_MATTER content\/c\.md:[12]: invalid JSON: .* \(fix the JSON syntax\)$/,
    );
  });

  it('refuses a fence it does not read instead of publishing it as text', () => {
    for (const fence of [';;;', '---js', '++++']) {
      expect(failure(() => parseFrontMatter(`${fence}\ndraft: true\n${fence}\nBody`, 'content/d.md'))).toBe(
        `FRONT_MATTER content/d.md:1: front matter fence "${fence}" is not one isr reads (use "---" (YAML), "+++" (TOML) or a JSON object; JavaScript front matter is not run)`,
      );
    }
  });
});
