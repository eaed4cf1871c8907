import { describe, expect, it } from 'vitest';
import { baseOfSiteUrl, ensureBase, parseBase, stripBase, withBase } from '../../src/config/base-path.js';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import { createHelpers } from '../../src/render/helpers.js';
import type { UserConfig } from '../../src/types.js';
import { configRoot } from '../helpers/config-root.js';

const site = configRoot();

function config(extra: Partial<UserConfig>): ResolvedConfig {
  const user: UserConfig = {
    routes: [
      { path: '/', name: 'home', template: 'page.eta' },
      { path: '/blog/:slug/', name: 'post', template: 'page.eta', paths: () => [] },
      { path: '/feed.xml', name: 'feed', template: 'page.eta' },
    ],
    ...extra,
  };
  return site.resolve(user);
}
const helpers = (c: ResolvedConfig) =>
  createHelpers(c, { path: '/blog/a b/', route: 'post', params: { slug: 'a b' }, now: 0 }, (p) => `${withBase(c.base, p)}?v=x`);

describe('the base path', () => {
  it("is taken from site.url's path, with or without its final slash, and is / without a path or a site URL", () => {
    expect(config({ site: { url: 'https://user.github.io/repo/' } }).base).toBe('/repo/');
    expect(config({ site: { url: 'https://user.github.io/repo' } }).base).toBe('/repo/');
    expect(config({ site: { url: 'https://example.com/a/b' } }).base).toBe('/a/b/');
    expect(config({ site: { url: 'https://example.com' } }).base).toBe('/');
    expect(config({}).base).toBe('/');
  });

  it("is set explicitly with base, which wins over site.url's path and is normalised (final slash, percent-encoding)", () => {
    expect(config({ site: { url: 'https://user.github.io/repo/' }, base: '/preview/' }).base).toBe('/preview/');
    expect(config({ site: { url: 'https://user.github.io/repo/' }, base: '/' }).base).toBe('/');
    expect(config({ base: '/docs' }).base).toBe('/docs/');
    expect(config({ base: '/café/' }).base).toBe('/caf%C3%A9/');
    expect(parseBase('/a%20b/')).toEqual({ base: '/a%20b/' });
  });

  it('refuses a base that is not a folder path', () => {
    for (const bad of ['repo/', '/a//b/', '/a/../b/', '/./', '/a?x', '/a#x', '/a b/', '/a\\b/'])
      expect(parseBase(bad), bad).toHaveProperty('problem');
    expect(() => config({ base: 'repo' })).toThrow('base: expected a path starting with "/", found string "repo"');
    expect(() => config({ base: 42 as unknown as string })).toThrow('base: expected a path such as "/repo/", found number 42');
    expect(baseOfSiteUrl('https://example.com//x/')).toHaveProperty('problem');
    // A site.url the URL parser refuses is named as such, not a crash reading its path.
    expect(() => config({ site: { url: 'https://exa mple.com/repo/' } })).toThrow(
      'site.url: expected an absolute http(s) URL, found string "https://exa mple.com/repo/"',
    );
  });

  it('changes the config hash only for a site not at the root (a moved base re-renders every page)', () => {
    expect(config({}).configHash).toBe('h');
    const a = config({ base: '/a/' }).configHash;
    expect(a).not.toBe('h');
    expect(config({ base: '/b/' }).configHash).not.toBe(a);
    expect(config({ base: '/a' }).configHash).toBe(a);
  });

  it('withBase adds it to site paths only; stripBase takes it off public paths, or says a path is outside', () => {
    expect(withBase('/repo/', '/blog/x/')).toBe('/repo/blog/x/');
    expect(withBase('/repo/', '/')).toBe('/repo/');
    expect(withBase('/repo/', 'https://other.example/x')).toBe('https://other.example/x');
    expect(withBase('/repo/', '//cdn.example/x')).toBe('//cdn.example/x');
    expect(withBase('/', '/blog/x/')).toBe('/blog/x/');
    expect(stripBase('/repo/', '/repo/blog/x/')).toBe('/blog/x/');
    expect(stripBase('/repo/', '/repo/')).toBe('/');
    expect(stripBase('/repo/', '/repo')).toBe('/');
    expect(stripBase('/repo/', '/repository/')).toBeUndefined();
    expect(stripBase('/repo/', '/blog/x/')).toBeUndefined();
    expect(stripBase('/', '/blog/x/')).toBe('/blog/x/');
    expect(ensureBase('/repo/', '/repo/blog/x/')).toBe('/repo/blog/x/');
    expect(ensureBase('/repo/', '/blog/x/')).toBe('/repo/blog/x/');
  });
});

describe('template helpers under a base path', () => {
  const c = () => config({ site: { url: 'https://user.github.io/repo/' } });

  it('url() gives public paths, encoded after the base', () => {
    const h = helpers(c());
    expect(h.url('home')).toBe('/repo/');
    expect(h.url('post', { slug: 'a b' })).toBe('/repo/blog/a%20b/');
    expect(h.url('feed')).toBe('/repo/feed.xml');
  });

  it("absUrl() keeps site.url's path for a site path, and adds it once to what url() returned", () => {
    const h = helpers(c());
    expect(h.absUrl('/')).toBe('https://user.github.io/repo/');
    expect(h.absUrl('/feed.xml')).toBe('https://user.github.io/repo/feed.xml');
    expect(h.absUrl(h.url('post', { slug: 'x' }))).toBe('https://user.github.io/repo/blog/x/');
    expect(h.absUrl(encodeURI('/blog/a b/'))).toBe('https://user.github.io/repo/blog/a%20b/');
    expect(h.absUrl('about/')).toBe('https://user.github.io/repo/about/');
    expect(h.absUrl('https://elsewhere.example/x')).toBe('https://elsewhere.example/x');
  });

  it('absUrl() with an explicit base uses the origin of site.url and the base, and only the base without a site URL', () => {
    const h = helpers(config({ site: { url: 'https://user.github.io/repo/' }, base: '/preview/' }));
    expect(h.absUrl('/')).toBe('https://user.github.io/preview/');
    expect(h.url('home')).toBe('/preview/');
    const bare = helpers(config({ base: '/docs/' }));
    expect(bare.absUrl('/x/')).toBe('/docs/x/');
    expect(bare.absUrl(bare.url('home'))).toBe('/docs/');
  });

  it('a site at the root keeps the helpers as they were', () => {
    const h = helpers(config({ site: { url: 'https://example.com' } }));
    expect(h.url('post', { slug: 'x' })).toBe('/blog/x/');
    expect(h.absUrl('/')).toBe('https://example.com/');
    expect(h.absUrl(h.url('post', { slug: 'x' }))).toBe('https://example.com/blog/x/');
  });
});
