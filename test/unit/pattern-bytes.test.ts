import { describe, expect, it } from 'vitest';
import { compilePattern, MAX_PATH_BYTES, MAX_SEGMENT_BYTES, pathSizeProblem } from '../../src/routes/pattern.js';

describe('route params are bounded by their bytes on disk', () => {
  const p = compilePattern('/any/:slug/');

  it('refuses a param of 100 three-byte characters (300 bytes), naming the param', () => {
    expect(() => p.fill({ slug: '中'.repeat(100) })).toThrow('param "slug" makes a path segment of 300 bytes as UTF-8 (at most 200)');
    expect(p.match(`/any/${'中'.repeat(100)}/`)).toBeUndefined();
  });

  it('accepts a param up to 200 bytes, however many characters', () => {
    expect(p.fill({ slug: '中'.repeat(66) })).toBe(`/any/${'中'.repeat(66)}/`);
    expect(p.fill({ slug: 'a'.repeat(MAX_SEGMENT_BYTES) })).toBe(`/any/${'a'.repeat(200)}/`);
    expect(() => p.fill({ slug: 'a'.repeat(201) })).toThrow(/201 bytes/);
    expect(p.match(`/any/${'中'.repeat(66)}/`)).toEqual({ slug: '中'.repeat(66) });
  });

  it('counts literal text sharing the segment, and names only the params of that segment', () => {
    const q = compilePattern('/:lang/post-:id.json');
    // "post-" + 190 + ".json" is 200 bytes: it fits; one more does not.
    expect(q.fill({ lang: 'en', id: 'x'.repeat(190) })).toBe(`/en/post-${'x'.repeat(190)}.json`);
    expect(() => q.fill({ lang: 'en', id: 'x'.repeat(191) })).toThrow(/^param "id" makes a path segment of 201 bytes/);
  });

  it('bounds the whole path at 1024 bytes', () => {
    const deep = compilePattern('/:a/:b/:c/:d/:e/:f/');
    const seg = 'x'.repeat(190);
    expect(() => deep.fill({ a: seg, b: seg, c: seg, d: seg, e: seg, f: seg })).toThrow(
      `makes a path of ${6 * 191 + 1} bytes as UTF-8 (at most ${MAX_PATH_BYTES})`,
    );
    expect(pathSizeProblem(`/${seg}/${seg}/${seg}/${seg}/${seg}/${seg}/`)).toMatch(/^has a path of/);
  });
});
