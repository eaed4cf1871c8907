import { describe, expect, it } from 'vitest';
import { compilePattern, outputFileFor } from '../../src/routes/pattern.js';

describe('route patterns', () => {
  it('fills and matches a directory-style pattern with a trailing slash', () => {
    const p = compilePattern('/blog/:slug/');
    expect(p.fill({ slug: 'hello' })).toBe('/blog/hello/');
    expect(p.match('/blog/hello/')).toEqual({ slug: 'hello' });
    expect(p.match('/blog/hello')).toBeUndefined();
    expect(outputFileFor('/blog/hello/', p.directory)).toBe('blog/hello/index.html');
  });

  it('treats a last segment with an extension as an exact file', () => {
    const p = compilePattern('/feed.xml');
    expect(p.directory).toBe(false);
    expect(p.contentType).toMatch(/xml/);
    expect(outputFileFor('/feed.xml', false)).toBe('feed.xml');
  });

  it('canonicalises a directory pattern without trailing slash', () => {
    expect(compilePattern('/about').source).toBe('/about/');
  });

  it.each([['..'], ['a/b'], [''], ['a\\b'], ['x..y'], ['\0']])('refuses the param value %j', (v) => {
    expect(() => compilePattern('/p/:id/').fill({ id: v })).toThrow(/param "id"/);
    expect(compilePattern('/p/:id/').match(`/p/${v}/`)).toBeUndefined();
  });

  it('rejects malformed patterns', () => {
    expect(() => compilePattern('blog/:slug')).toThrow(/start with/);
    expect(() => compilePattern('/a/../b')).toThrow();
    expect(() => compilePattern('/:a/:a/')).toThrow(/repeats/);
  });
});
