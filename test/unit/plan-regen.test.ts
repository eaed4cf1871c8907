import { describe, expect, it } from 'vitest';
import type { Manifest, PageEntry, RouteEntry } from '../../src/manifest/manifest.js';
import { checkNamedPath, isDue, nextRetryAt, pageIsDue } from '../../src/plan/page-rules.js';
import { type PageRef, type PlanOptions, type PlanRoute, planListings, planRegen } from '../../src/plan/plan-regen.js';
import { compilePattern } from '../../src/routes/pattern.js';
import type { Revalidate } from '../../src/types.js';

// A small site: a fixed home page, a feed file, posts and tags. Times are seconds after T0.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => T0 + seconds * 1000;

function route(name: string, pattern: string, template: string, listRevalidate: Revalidate = 3600): PlanRoute {
  const p = compilePattern(pattern);
  return { name, template, dynamic: p.names.length > 0, source: pattern, listRevalidate, match: (u) => p.match(u) };
}

const ROUTES: PlanRoute[] = [
  route('home', '/', 'index.eta'),
  route('post', '/blog/:slug/', 'post.eta'),
  route('tag', '/tags/:tag/', 'tag.eta', 600),
  route('feed', '/feed.xml', 'feed.eta'),
];

const TEMPLATES = new Map([
  ['index.eta', 'h-index'],
  ['post.eta', 'h-post'],
  ['tag.eta', 'h-tag'],
  ['feed.eta', 'h-feed'],
]);

function entry(routeName: string, over: Partial<PageEntry> = {}): PageEntry {
  const file = over.file;
  return {
    route: routeName,
    builtAt: T0,
    changedAt: T0,
    revalidate: 3600,
    status: 'ok',
    templateHash: TEMPLATES.get(ROUTES.find((r) => r.name === routeName)?.template ?? '') ?? 'h-gone',
    ...(file === undefined ? {} : { file }),
    ...over,
  };
}

const post = (slug: string, over: Partial<PageEntry> = {}): [string, PageEntry] => [
  `/blog/${slug}/`,
  entry('post', { params: { slug }, file: `blog/${slug}/index.html`, ...over }),
];
const tag = (t: string, over: Partial<PageEntry> = {}): [string, PageEntry] => [
  `/tags/${t}/`,
  entry('tag', { params: { tag: t }, file: `tags/${t}/index.html`, ...over }),
];

function manifest(pages: [string, PageEntry][], routes: Record<string, RouteEntry> = {}, configHash = 'cfg'): Manifest {
  return {
    version: 1,
    generator: 'test',
    updatedAt: T0,
    configHash,
    templates: {},
    routes: {
      post: { listedAt: T0, listRevalidate: 3600, tags: ['files:posts'] },
      tag: { listedAt: T0, listRevalidate: 600, tags: ['files:posts'] },
      ...routes,
    },
    pages: Object.fromEntries(pages),
  };
}

/** A built site: home, feed, two posts, one tag page, all built at T0. */
const SITE = () =>
  manifest([
    ['/', entry('home', { file: 'index.html', revalidate: 600, tags: ['file:posts/a.md', 'file:posts/b.md'] })],
    ['/feed.xml', entry('feed', { file: 'feed.xml', tags: ['file:posts/a.md', 'file:posts/b.md'] })],
    post('a', { tags: ['file:posts/a.md', 'tag:x'] }),
    post('b', { tags: ['file:posts/b.md'] }),
    tag('x', { tags: ['file:posts/a.md'] }),
  ]);

const ref = (path: string, routeName: string, params: Record<string, string> = {}): PageRef => ({ path, route: routeName, params });
const postRef = (slug: string) => ref(`/blog/${slug}/`, 'post', { slug });
const tagRef = (t: string) => ref(`/tags/${t}/`, 'tag', { tag: t });
const FIXED = { home: [ref('/', 'home')], feed: [ref('/feed.xml', 'feed')] };

function plan(o: {
  manifest?: Manifest;
  listings?: Record<string, PageRef[]>;
  options?: Partial<PlanOptions>;
  now?: number;
  templates?: Map<string, string>;
  configHash?: string;
  routes?: PlanRoute[];
}) {
  return planRegen({
    manifest: o.manifest,
    routes: o.routes ?? ROUTES,
    listings: new Map(Object.entries(o.listings ?? FIXED)),
    templateHashes: o.templates ?? TEMPLATES,
    configHash: o.configHash ?? 'cfg',
    options: { mode: 'regen', ...o.options },
    now: o.now ?? at(1),
  });
}

/** path → reasons, the shape most assertions compare against. */
const rendered = (p: ReturnType<typeof plan>) => Object.fromEntries(p.render.map((r) => [r.path, r.reasons]));

describe('planRegen: time', () => {
  it('renders nothing when no page has expired', () => {
    const p = plan({ manifest: SITE(), now: at(599) });
    expect(p).toEqual({ render: [], remove: [], errors: [], unmatchedTags: [], unknownRoutes: [] });
  });

  it('renders a page exactly when builtAt + revalidate is reached, not a millisecond before', () => {
    expect(rendered(plan({ manifest: SITE(), now: at(600) - 1 }))).toEqual({});
    expect(rendered(plan({ manifest: SITE(), now: at(600) }))).toEqual({ '/': ['expired'] });
  });

  it('expires each page on its own revalidate interval', () => {
    expect(rendered(plan({ manifest: SITE(), now: at(3600) }))).toEqual({
      '/': ['expired'],
      '/feed.xml': ['expired'],
      '/blog/a/': ['expired'],
      '/blog/b/': ['expired'],
      '/tags/x/': ['expired'],
    });
  });

  it('never expires a page with revalidate false', () => {
    const m = manifest([post('a', { revalidate: false })]);
    expect(plan({ manifest: m, listings: {}, now: at(10 * 365 * 86400) }).render).toEqual([]);
  });

  it('keeps the route and params of the manifest entry on an expired page', () => {
    const p = plan({ manifest: SITE(), now: at(3600) });
    expect(p.render.find((r) => r.path === '/blog/a/')).toEqual({
      path: '/blog/a/',
      route: 'post',
      params: { slug: 'a' },
      reasons: ['expired'],
    });
  });
});

describe('planRegen: failed pages', () => {
  const failed = (retryAt: number | undefined) =>
    manifest([
      post('a', { status: 'error', error: 'boom', attempts: 1, builtAt: T0 - 86400_000, ...(retryAt === undefined ? {} : { retryAt }) }),
    ]);

  it('does not retry a failed page before its retryAt, even when its revalidate has long passed', () => {
    expect(plan({ manifest: failed(at(60)), listings: {}, now: at(59) }).render).toEqual([]);
  });

  it('retries a failed page once retryAt is reached, with reason retry (not expired)', () => {
    expect(rendered(plan({ manifest: failed(at(60)), listings: {}, now: at(60) }))).toEqual({ '/blog/a/': ['retry'] });
  });

  it('retries a failed page without retryAt at once', () => {
    expect(rendered(plan({ manifest: failed(undefined), listings: {}, now: at(0) }))).toEqual({ '/blog/a/': ['retry'] });
  });

  it('renders a failed page named by --path before its retryAt', () => {
    expect(rendered(plan({ manifest: failed(at(60)), listings: {}, now: at(1), options: { paths: ['/blog/a/'] } }))).toEqual({
      '/blog/a/': ['path'],
    });
  });
});

describe('planRegen: --path', () => {
  it('renders a named page that is not due, with reason path', () => {
    expect(rendered(plan({ manifest: SITE(), options: { paths: ['/blog/a/'] } }))).toEqual({ '/blog/a/': ['path'] });
  });

  it('normalises /x to /x/ for a directory page', () => {
    const p = plan({ manifest: SITE(), options: { paths: ['/blog/a'] } });
    expect(p.render).toEqual([{ path: '/blog/a/', route: 'post', params: { slug: 'a' }, reasons: ['path'] }]);
    expect(p.errors).toEqual([]);
  });

  it('does not add a slash to a file path such as /feed.xml', () => {
    expect(rendered(plan({ manifest: SITE(), options: { paths: ['/feed.xml'] } }))).toEqual({ '/feed.xml': ['path'] });
  });

  it('renders a never-built path that matches a route, with its params', () => {
    const p = plan({ manifest: SITE(), options: { paths: ['/blog/new-post'] } });
    expect(p.render).toEqual([{ path: '/blog/new-post/', route: 'post', params: { slug: 'new-post' }, reasons: ['path'] }]);
    expect(p.errors).toEqual([]);
  });

  it('gives both reasons to a named path that a fresh listing also brings in', () => {
    const p = plan({
      manifest: SITE(),
      listings: { ...FIXED, post: [postRef('a'), postRef('b'), postRef('c')] },
      options: { paths: ['/blog/c/'] },
    });
    expect(rendered(p)).toEqual({ '/blog/c/': ['path', 'new'] });
  });

  it('reports a path that matches no route as an error and still renders the other named paths', () => {
    const p = plan({ manifest: SITE(), options: { paths: ['/nope/x/', '/blog/b/'] } });
    expect(p.errors).toEqual([{ path: '/nope/x/', message: 'matches no route' }]);
    expect(rendered(p)).toEqual({ '/blog/b/': ['path'] });
  });

  it.each([
    ['blog/a/', 'must start with "/"'],
    ['/blog/../etc/', 'contains "." or ".." segments'],
    ['/blog/./a/', 'contains "." or ".." segments'],
    ['/blog\\a\\', 'contains a null byte or backslash'],
    ['/blog//a/', 'contains "//"'],
  ])('refuses the path %j: %s', (bad, message) => {
    const p = plan({ manifest: SITE(), options: { paths: [bad, '/blog/a/'] } });
    expect(p.errors).toEqual([{ path: bad, message }]);
    expect(rendered(p)).toEqual({ '/blog/a/': ['path'] });
  });

  it('renders a named page once when it is named twice and also expired', () => {
    const p = plan({ manifest: SITE(), now: at(600), options: { paths: ['/', '/'] } });
    expect(rendered(p)).toEqual({ '/': ['path', 'expired'] });
  });

  it('does not remove a named page that vanished from a fresh listing: its own load decides', () => {
    const p = plan({ manifest: SITE(), listings: { ...FIXED, post: [postRef('b')] }, options: { paths: ['/blog/a/'] } });
    expect(p.remove).toEqual([]);
    expect(rendered(p)).toEqual({ '/blog/a/': ['path'] });
  });
});

describe('planRegen: paths asked for only if due (a page isr serve served stale)', () => {
  const named = { onlyNamed: true, duePaths: ['/blog/a/'] };

  it('renders nothing when the page is no longer due (another process rendered it since)', () => {
    expect(plan({ manifest: SITE(), options: named, now: at(3599) }).render).toEqual([]);
    expect(plan({ manifest: SITE(), options: named, now: at(3599) }).errors).toEqual([]);
  });

  it('renders the page, with reason expired, when it is still due, and nothing else that is due', () => {
    expect(rendered(plan({ manifest: SITE(), options: named, now: at(3600) }))).toEqual({ '/blog/a/': ['expired'] });
  });

  it('retries a failed page only once its retryAt is reached', () => {
    const failed = manifest([post('a', { status: 'error', error: 'boom', attempts: 1, retryAt: at(60) })]);
    expect(plan({ manifest: failed, listings: {}, options: named, now: at(59) }).render).toEqual([]);
    expect(rendered(plan({ manifest: failed, listings: {}, options: named, now: at(60) }))).toEqual({ '/blog/a/': ['retry'] });
  });

  it('renders a page also named outright, due or not', () => {
    expect(rendered(plan({ manifest: SITE(), options: { ...named, paths: ['/blog/a/'] }, now: at(1) }))).toEqual({ '/blog/a/': ['path'] });
  });

  it('takes a page whose route is gone as named: reported, so the server stops asking', () => {
    const gone = manifest([['/old/x/', entry('old', { file: 'old/x/index.html' })]]);
    const p = plan({ manifest: gone, listings: {}, options: { onlyNamed: true, duePaths: ['/old/x/'] }, now: at(3600) });
    expect(p.render).toEqual([]);
    expect(p.errors).toEqual([{ path: '/old/x/', message: 'matches no route' }]);
  });
});

describe('planRegen: --tag', () => {
  it('renders every page that recorded the tag: the post and the pages listing it', () => {
    const p = plan({ manifest: SITE(), options: { tags: ['file:posts/a.md'] } });
    expect(rendered(p)).toEqual({ '/': ['tag'], '/feed.xml': ['tag'], '/blog/a/': ['tag'], '/tags/x/': ['tag'] });
    expect(p.unmatchedTags).toEqual([]);
  });

  it('reports a tag no page recorded, and renders what the other tags match', () => {
    const p = plan({ manifest: SITE(), options: { tags: ['nobody', 'file:posts/b.md'] } });
    expect(p.unmatchedTags).toEqual(['nobody']);
    expect(rendered(p)).toEqual({ '/': ['tag'], '/feed.xml': ['tag'], '/blog/b/': ['tag'] });
  });

  it('counts a tag that only a route listing recorded as matched', () => {
    const p = plan({ manifest: SITE(), options: { tags: ['files:posts'] } });
    expect(p.unmatchedTags).toEqual([]);
    expect(p.render).toEqual([]);
  });
});

describe('planRegen: --route and --all', () => {
  it('renders every page of a named route', () => {
    expect(rendered(plan({ manifest: SITE(), options: { routes: ['post'] } }))).toEqual({ '/blog/a/': ['route'], '/blog/b/': ['route'] });
  });

  it('reports a route that does not exist', () => {
    const p = plan({ manifest: SITE(), options: { routes: ['posts'] } });
    expect(p.unknownRoutes).toEqual(['posts']);
    expect(p.render).toEqual([]);
  });

  it('renders every page with reason all', () => {
    const p = plan({ manifest: SITE(), options: { all: true } });
    expect(p.render.map((r) => r.path).sort()).toEqual(['/', '/blog/a/', '/blog/b/', '/feed.xml', '/tags/x/']);
    expect(new Set(p.render.map((r) => r.reasons.join()))).toEqual(new Set(['all']));
  });
});

describe('planRegen: templates and config', () => {
  it('re-renders exactly the pages whose template closure changed', () => {
    const templates = new Map(TEMPLATES).set('post.eta', 'h-post-2');
    expect(rendered(plan({ manifest: SITE(), templates }))).toEqual({ '/blog/a/': ['template-changed'], '/blog/b/': ['template-changed'] });
  });

  it('does not count a page without a recorded template hash (a failed first render) as changed', () => {
    const m = manifest([post('a', { templateHash: undefined })]);
    expect(plan({ manifest: m, listings: {}, templates: new Map(TEMPLATES).set('post.eta', 'other') }).render).toEqual([]);
  });

  it('re-renders every page when the config changed', () => {
    const p = plan({ manifest: SITE(), configHash: 'cfg-2' });
    expect(p.render.map((r) => r.path).sort()).toEqual(['/', '/blog/a/', '/blog/b/', '/feed.xml', '/tags/x/']);
    expect(new Set(p.render.map((r) => r.reasons.join()))).toEqual(new Set(['config-changed']));
  });
});

describe('planRegen: listings', () => {
  it('renders a page new in a fresh listing with reason new', () => {
    const p = plan({ manifest: SITE(), listings: { ...FIXED, post: [postRef('a'), postRef('b'), postRef('c')] } });
    expect(p.render).toEqual([{ path: '/blog/c/', route: 'post', params: { slug: 'c' }, reasons: ['new'] }]);
    expect(p.remove).toEqual([]);
  });

  it('renders at once a listed page that was notFound before (a draft published after a request for it)', () => {
    const m = SITE();
    m.pages['/blog/c/'] = entry('post', { params: { slug: 'c' }, status: 'notFound', onDemand: true });
    const p = plan({ manifest: m, listings: { ...FIXED, post: [postRef('a'), postRef('b'), postRef('c')] } });
    expect(rendered(p)).toEqual({ '/blog/c/': ['new'] });
  });

  it('does not re-render a notFound page that its route does not list', () => {
    const m = SITE();
    m.pages['/blog/c/'] = entry('post', { params: { slug: 'c' }, status: 'notFound', onDemand: true });
    expect(plan({ manifest: m, listings: { ...FIXED, post: [postRef('a'), postRef('b')] } }).render).toEqual([]);
  });

  it('removes a page that vanished from a fresh listing, naming its file', () => {
    const p = plan({ manifest: SITE(), listings: { ...FIXED, post: [postRef('a')] } });
    expect(p.remove).toEqual([{ path: '/blog/b/', route: 'post', file: 'blog/b/index.html', reason: 'removed' }]);
    expect(p.render).toEqual([]);
  });

  it('keeps the pages of a route that was not re-listed (or whose listing failed)', () => {
    const p = plan({ manifest: SITE(), listings: { ...FIXED } });
    expect(p.remove).toEqual([]);
  });

  it('keeps a page built on demand when a listing does not include it', () => {
    const m = manifest([post('a'), post('od', { onDemand: true })]);
    const p = plan({ manifest: m, listings: { ...FIXED, post: [postRef('a')] } });
    expect(p.remove).toEqual([]);
  });

  it('removes a notFound page (no file) that vanished from its listing, without a file to delete', () => {
    const m = manifest([post('a'), ['/blog/gone/', entry('post', { params: { slug: 'gone' }, status: 'notFound' })]]);
    const p = plan({ manifest: m, listings: { ...FIXED, post: [postRef('a')] } });
    expect(p.remove).toEqual([{ path: '/blog/gone/', route: 'post', file: undefined, reason: 'removed' }]);
  });

  it('removes the pages of a route that is gone from the config, listed or not', () => {
    const m = manifest([post('a'), ['/old/', entry('old', { file: 'old/index.html' })]]);
    const p = plan({ manifest: m, listings: {} });
    expect(p.remove).toEqual([{ path: '/old/', route: 'old', file: 'old/index.html', reason: 'removed' }]);
    expect(p.render).toEqual([]);
  });

  it('moves a page to the route that now lists it instead of deleting it (route renamed)', () => {
    // `post` renamed to `article`: the same URLs, now listed by the new route.
    const routes = [route('home', '/', 'index.eta'), route('article', '/blog/:slug/', 'post.eta')];
    const m = manifest([post('a'), post('b')]);
    const p = plan({ manifest: m, routes, configHash: 'cfg-2', listings: { article: [ref('/blog/a/', 'article', { slug: 'a' })] } });
    expect(p.remove).toEqual([{ path: '/blog/b/', route: 'post', file: 'blog/b/index.html', reason: 'removed' }]);
    expect(p.render).toEqual([{ path: '/blog/a/', route: 'article', params: { slug: 'a' }, reasons: ['new', 'config-changed'] }]);
  });

  it('uses the fresh params of a listed page', () => {
    const m = manifest([['/blog/a/', entry('post', { file: 'blog/a/index.html' })]]); // params missing in the entry
    const p = plan({ manifest: m, listings: { ...FIXED, post: [postRef('a')] }, options: { all: true } });
    expect(p.render.find((r) => r.path === '/blog/a/')?.params).toEqual({ slug: 'a' });
  });
});

describe('planRegen: onlyNamed (serve)', () => {
  const stale = () =>
    manifest(
      [post('a', { builtAt: T0 - 86400_000 }), post('b', { builtAt: T0 - 86400_000 }), ['/old/', entry('old', { file: 'old/index.html' })]],
      {},
      'old-config',
    );

  it('renders only the named page: nothing expired, changed or removed', () => {
    const p = plan({
      manifest: stale(),
      listings: {},
      templates: new Map(TEMPLATES).set('post.eta', 'changed'),
      options: { onlyNamed: true, paths: ['/blog/a/'] },
    });
    expect(p.render).toEqual([{ path: '/blog/a/', route: 'post', params: { slug: 'a' }, reasons: ['path'] }]);
    expect(p.remove).toEqual([]);
  });

  it('renders the pages of a named tag only', () => {
    const m = stale();
    m.pages['/blog/b/']!.tags = ['post:b'];
    const p = plan({ manifest: m, listings: {}, options: { onlyNamed: true, tags: ['post:b'] } });
    expect(rendered(p)).toEqual({ '/blog/b/': ['tag'] });
  });

  it('skips a tagged page whose route is gone from the config (nothing could render it)', () => {
    const m = stale();
    m.pages['/old/']!.tags = ['t'];
    m.pages['/blog/a/']!.tags = ['t'];
    const p = plan({ manifest: m, listings: {}, options: { onlyNamed: true, tags: ['t'] } });
    expect(rendered(p)).toEqual({ '/blog/a/': ['tag'] });
    expect(p.remove).toEqual([]);
  });

  it('renders a never-built path (fallback) with reason path', () => {
    const p = plan({ manifest: stale(), listings: {}, options: { onlyNamed: true, paths: ['/blog/fresh/'] } });
    expect(rendered(p)).toEqual({ '/blog/fresh/': ['path'] });
  });
});

describe('planRegen: build mode', () => {
  it('renders every listed page with reason build on a first build', () => {
    const p = planRegen({
      manifest: undefined,
      routes: ROUTES,
      listings: new Map(Object.entries({ ...FIXED, post: [postRef('a')], tag: [tagRef('x')] })),
      templateHashes: TEMPLATES,
      configHash: 'cfg',
      options: { mode: 'build' },
      now: T0,
    });
    expect(p.render).toEqual([
      { path: '/', route: 'home', params: {}, reasons: ['build'] },
      { path: '/feed.xml', route: 'feed', params: {}, reasons: ['build'] },
      { path: '/blog/a/', route: 'post', params: { slug: 'a' }, reasons: ['build'] },
      { path: '/tags/x/', route: 'tag', params: { tag: 'x' }, reasons: ['build'] },
    ]);
    expect(p.remove).toEqual([]);
  });

  it('re-renders existing pages, adds new ones and removes vanished ones', () => {
    const p = plan({
      manifest: SITE(),
      options: { mode: 'build' },
      listings: { ...FIXED, post: [postRef('a'), postRef('c')], tag: [tagRef('x')] },
    });
    expect(rendered(p)).toEqual({
      '/': ['build'],
      '/feed.xml': ['build'],
      '/blog/a/': ['build'],
      '/blog/c/': ['build'],
      '/tags/x/': ['build'],
    });
    expect(p.remove.map((r) => r.path)).toEqual(['/blog/b/']);
  });
});

describe('planListings', () => {
  const listings = (m: Manifest | undefined, options: Partial<PlanOptions> = {}, now = at(1), configHash = 'cfg') =>
    [...planListings(m, ROUTES, { mode: 'regen', ...options }, configHash, now)].sort();

  it('always lists fixed routes and lists no dynamic route that is not due', () => {
    expect(listings(SITE())).toEqual(['feed', 'home']);
  });

  it('lists a dynamic route when its listRevalidate has passed since listedAt', () => {
    expect(listings(SITE(), {}, at(600) - 1)).toEqual(['feed', 'home']);
    expect(listings(SITE(), {}, at(600))).toEqual(['feed', 'home', 'tag']);
    expect(listings(SITE(), {}, at(3600))).toEqual(['feed', 'home', 'post', 'tag']);
  });

  it('never lists a route with listRevalidate false on a timer', () => {
    const m = manifest([], { post: { listedAt: T0, listRevalidate: false }, tag: { listedAt: T0, listRevalidate: false } });
    expect(listings(m, {}, at(86400 * 365))).toEqual(['feed', 'home']);
  });

  it('lists every route in build mode, with --all and when the config changed', () => {
    expect(listings(SITE(), { mode: 'build' })).toEqual(['feed', 'home', 'post', 'tag']);
    expect(listings(SITE(), { all: true })).toEqual(['feed', 'home', 'post', 'tag']);
    expect(listings(SITE(), {}, at(1), 'cfg-2')).toEqual(['feed', 'home', 'post', 'tag']);
  });

  it('lists a route never listed before, and one whose last listing failed', () => {
    const m = manifest([], { post: { listedAt: T0, listRevalidate: 3600, error: 'boom' } });
    delete m.routes.tag;
    expect(listings(m)).toEqual(['feed', 'home', 'post', 'tag']);
  });

  it('lists a route named by --route', () => {
    expect(listings(SITE(), { routes: ['tag'] })).toEqual(['feed', 'home', 'tag']);
  });

  it('lists a route whose listing recorded a named --tag', () => {
    expect(listings(SITE(), { tags: ['files:posts'] })).toEqual(['feed', 'home', 'post', 'tag']);
    expect(listings(SITE(), { tags: ['file:posts/a.md'] })).toEqual(['feed', 'home']);
  });

  it('lists nothing at all in onlyNamed mode', () => {
    expect(listings(SITE(), { onlyNamed: true, all: true })).toEqual([]);
  });

  it('lists everything on a first run without a manifest', () => {
    expect(listings(undefined)).toEqual(['feed', 'home', 'post', 'tag']);
  });
});

describe('isDue', () => {
  it('is due exactly at at + revalidate seconds', () => {
    expect(isDue(T0, 60, at(60) - 1)).toBe(false);
    expect(isDue(T0, 60, at(60))).toBe(true);
    expect(isDue(T0, 60, at(61))).toBe(true);
  });

  it('is never due with revalidate false', () => {
    expect(isDue(0, false, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('pageIsDue', () => {
  it('uses retryAt for a failed page and builtAt + revalidate otherwise', () => {
    expect(pageIsDue(entry('post', { status: 'error', retryAt: at(60), builtAt: 0 }), at(59))).toBe(false);
    expect(pageIsDue(entry('post', { status: 'error', retryAt: at(60), builtAt: 0 }), at(60))).toBe(true);
    expect(pageIsDue(entry('post', { revalidate: 60 }), at(60))).toBe(true);
    expect(pageIsDue(entry('post', { revalidate: false }), at(1e9))).toBe(false);
  });
});

describe('nextRetryAt', () => {
  it('backs off 1, 2, 4, 8 minutes with the attempt count', () => {
    expect([1, 2, 3, 4].map((n) => nextRetryAt(T0, n, 86400) - T0)).toEqual([60_000, 120_000, 240_000, 480_000]);
  });

  it('never waits longer than the page revalidate interval', () => {
    expect(nextRetryAt(T0, 3, 100) - T0).toBe(100_000);
    expect(nextRetryAt(T0, 30, 3600) - T0).toBe(3600_000);
  });

  it('caps a revalidate-false page at one hour', () => {
    expect(nextRetryAt(T0, 20, false) - T0).toBe(3600_000);
  });

  it('treats attempt 0 like the first attempt', () => {
    expect(nextRetryAt(T0, 0, 3600) - T0).toBe(60_000);
  });
});

describe('checkNamedPath', () => {
  it('accepts ordinary URL paths', () => {
    for (const p of ['/', '/blog/a/', '/blog/a', '/feed.xml', '/a..b/']) expect(checkNamedPath(p)).toBeUndefined();
  });

  it.each([
    ['', 'must start with "/"'],
    ['blog/', 'must start with "/"'],
    ['/a\0/', 'contains a null byte or backslash'],
    ['/a\\b/', 'contains a null byte or backslash'],
    ['/../x/', 'contains "." or ".." segments'],
    ['/x/..', 'contains "." or ".." segments'],
    ['/./', 'contains "." or ".." segments'],
    ['//x/', 'contains "//"'],
    [`/${'a'.repeat(1024)}`, 'is longer than 1024 characters'],
  ])('refuses %j', (p, why) => {
    expect(checkNamedPath(p)).toBe(why);
  });
});
