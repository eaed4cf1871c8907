import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSimpleYaml } from '../../src/sources/simple-yaml.js';

/** The fast path must agree with the yaml library exactly, or decline (undefined). */
function agrees(text: string): 'fast' | 'declined' {
  const fast = parseSimpleYaml(text);
  if (fast === undefined) return 'declined';
  let lib: unknown;
  try {
    lib = parse(text);
  } catch (err) {
    throw new Error(`fast path accepted ${JSON.stringify(text)}, which the yaml library rejects: ${(err as Error).message}`);
  }
  expect(fast, JSON.stringify(text)).toStrictEqual(lib ?? {});
  return 'fast';
}

describe('simple front-matter fast path', () => {
  it('reads typical front matter exactly as the yaml library does', () => {
    const typical = [
      'title: Hello world\ndate: 2024-11-26\ntags: [alpha, bravo]\n',
      'title: "Quoted: with colon"\ndraft: true\nweight: 10\n',
      "title: 'Single quoted # not a comment'\ntags: []\n",
      'title: It\'s a "plain" string, with commas\r\nslug: my-post\r\n',
      'date: 2024-05-01T10:00:00Z\nupdated: 2024-05-01T10:00:00+02:00\n',
      'url: https://example.com/x?y=1\ntags: [a b, c-d, e_f]\ncount: -42\n',
      'tags: [true, false, 0, 7, "q", \'s\']\n',
      '',
    ];
    for (const t of typical) expect(agrees(t)).toBe('fast');
  });

  it('declines what could mean something else and leaves it to the library', () => {
    const hard = [
      'a: null',
      'a: ~',
      'a:',
      'a: True',
      'a: 1.5',
      'a: 007',
      'a: 1e3',
      'a: 0x1f',
      'a: +5',
      'a: -0',
      'a: .inf',
      'a: b # comment',
      '# comment\na: b',
      'a: b: c',
      'a: b:',
      'a: &x b',
      'a: *x',
      'a: !tag b',
      'a: |\n  x',
      'a: >\n  x',
      'a:\n  - x',
      'a: x\n  continued',
      'a: x\na: y',
      '  a: x',
      'a:\tx',
      'a: "esc\\n"',
      "a: 'it''s'",
      'a: [x, [y]]',
      'a: [x, {y: 1}]',
      'a: [x,, y]',
      'a: [x, y',
      'a: [x: 1]',
      'a: ["x, y"]',
      'null: x',
      'true: x',
      '"a": x',
      'a b: x',
      'a: 12345678901234567890',
      'a: - x',
      'a: [2024-05-01T10:00:00Z]',
      '---',
      '...',
      'a: x\n---\nb: y',
    ];
    for (const t of hard) expect(agrees(t), t).toBe('declined');
  });

  it('agrees with the library on 20,000 random one-to-three-line documents', () => {
    let seed = 42;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const tokens = [
      'a',
      'Zed',
      'x1',
      ' ',
      ' ',
      ':',
      ': ',
      '#',
      ' #',
      '[',
      ']',
      ',',
      ', ',
      "'",
      '"',
      '-',
      '.',
      '{',
      '}',
      '\t',
      'true',
      'null',
      'False',
      '12',
      '0',
      '007',
      '1.5',
      '2024-01-02',
      'T10:00:00Z',
      '~',
      '&',
      '*',
      '!',
      '|',
      '>',
      '%',
      '@',
      '\\',
      'é',
    ];
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      const lines: string[] = [];
      const n = 1 + Math.floor(rnd() * 3);
      for (let l = 0; l < n; l++) {
        let v = '';
        const len = Math.floor(rnd() * 6);
        for (let k = 0; k < len; k++) v += tokens[Math.floor(rnd() * tokens.length)];
        const key = ['title', 'tags', 'k', 'a-b', 'x_1'][Math.floor(rnd() * 5)];
        lines.push(rnd() < 0.3 ? `${key}: [${v}]` : `${key}: ${v}`);
      }
      if (agrees(lines.join('\n')) === 'fast') fast++;
    }
    // The generator must exercise the fast path, not only the fallback.
    expect(fast).toBeGreaterThan(1000);
  });
});
