import { describe, expect, it } from 'vitest';
import { nativePattern } from '../../src/did-you-mean.js';
import { compilePattern, PatternError } from '../../src/routes/pattern.js';

const refusal = (source: string) => {
  try {
    compilePattern(source);
  } catch (err) {
    if (err instanceof PatternError) return { message: err.message, hint: err.hint };
    throw err;
  }
  throw new Error(`${source} was accepted`);
};

describe('a rest param (:name*) matches one or more segments', () => {
  it('matches nested paths and fills from a slash-separated value', () => {
    const p = compilePattern('/docs/:path*/');
    expect(p.names).toEqual(['path']);
    expect(p.rest).toBe('path');
    expect(p.match('/docs/guides/install/linux/')).toEqual({ path: 'guides/install/linux' });
    expect(p.match('/docs/intro/')).toEqual({ path: 'intro' });
    expect(p.match('/docs/')).toBeUndefined();
    expect(p.fill({ path: 'guides/install' })).toBe('/docs/guides/install/');
  });

  it('works at the root and before a fixed tail', () => {
    expect(compilePattern('/:path*/').match('/a/b/')).toEqual({ path: 'a/b' });
    const feed = compilePattern('/:section*/feed.xml');
    expect(feed.match('/blog/2024/feed.xml')).toEqual({ section: 'blog/2024' });
    expect(feed.fill({ section: 'blog/2024' })).toBe('/blog/2024/feed.xml');
  });

  it('holds every segment to the one-segment rules', () => {
    const p = compilePattern('/docs/:path*/');
    for (const [value, why] of [
      ['a/../b', 'has a segment ".." that contains ".."'],
      ['a/..', 'has a segment ".." that contains ".."'],
      ['a\\b/c', 'contains a slash'],
      ['a//b', 'has an empty segment ("//")'],
      ['/a', 'starts or ends with "/"'],
      ['a/', 'starts or ends with "/"'],
      ['a/b\u0001', 'contains a control character'],
      ['', 'is empty'],
      [`a/${'中'.repeat(70)}`, 'is 210 bytes as UTF-8 (at most 200)'],
    ] as const) {
      expect(() => p.fill({ path: value }), value).toThrow(why);
    }
    expect(p.match('/docs/a/../b/')).toBeUndefined();
    expect(p.match('/docs/a//b/')).toBeUndefined();
  });

  it('refuses a rest param inside a segment, or two of them', () => {
    expect(refusal('/docs/x:path*/').message).toContain('must be a segment of its own');
    expect(refusal('/:a*/:b*/').message).toContain('more than one rest param');
    expect(refusal('/docs/a*b/').message).toContain('nor * but in a rest param');
  });
});

describe('another framework habit in a route pattern is refused with the isr spelling', () => {
  it('turns catch-alls into a rest param', () => {
    expect(refusal('/[...slug]/')).toEqual({
      message: "uses a catch-all in another framework's syntax, which isr would take literally",
      hint: 'did you mean "/:slug*/"? (a rest param :name* matches one or more segments)',
    });
    expect(refusal('/docs/[[...path]]/').hint).toContain('"/docs/:path*/"');
    expect(refusal('/docs/*').hint).toContain('"/docs/:path*"');
    expect(refusal('/docs/*rest/').hint).toContain('"/docs/:rest*/"');
  });

  it('turns [slug] and {slug} into :slug', () => {
    expect(refusal('/[slug]/').hint).toBe('did you mean "/:slug/"?');
    expect(nativePattern('/{a}/[...b]/')).toBe('/:a/:b*/');
    expect(nativePattern('/plain/')).toBeUndefined();
  });

  it('hints at a rest param when a one-segment param is given slashes', () => {
    const p = compilePattern('/docs/:slug/');
    try {
      p.fill({ slug: 'a/b' });
      throw new Error('filled');
    } catch (err) {
      expect((err as PatternError).hint).toBe('a param holds one segment; for several, make it a rest param: "/docs/:slug*/"');
    }
  });
});
