import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import type { Manifest, PageEntry } from '../../src/manifest/manifest.js';
import { prepareShards } from '../../src/manifest/prepare-shards.js';
import type { UserConfig } from '../../src/types.js';
import { redirectStub, siteFiles, staleSiteFiles } from '../../src/write/site-files.js';
import { configRoot } from '../helpers/config-root.js';

const site = configRoot();

function config(extra: Partial<UserConfig> = {}): ResolvedConfig {
  const user: UserConfig = {
    site: { url: 'https://example.com/' },
    revalidate: 3600,
    routes: [
      { path: '/', name: 'home', template: 'page.eta', revalidate: 60 },
      { path: '/blog/:slug/', name: 'post', template: 'page.eta', paths: () => [] },
      { path: '/feed.xml', name: 'feed', template: 'page.eta' },
      { path: '/404.html', name: '404', template: 'page.eta', revalidate: false },
      { path: '/drafts/:slug/', name: 'draft', template: 'page.eta', paths: () => [], sitemap: false },
    ],
    ...extra,
  };
  return site.resolve(user);
}

/** Pages per shard aimed at by `written` (`perShard(n)`, as ISR_PAGES_PER_SHARD does for the CLI). */
let pagesPerShard: number | undefined;
const perShard = (n: number) => void (pagesPerShard = n);

/** The manifest split as a write would split it (every shard rewritten); `perShard` sets the split. */
function written(c: ResolvedConfig, m: Manifest) {
  return prepareShards(structuredClone(m), {
    dirty: 'all',
    routes: new Map(c.routes.map((r) => [r.name, { revalidate: r.revalidate, sitemap: r.sitemap }])),
    pagesPerShard,
  });
}

/** The site files of a manifest whose shards are all rewritten. */
function filesOf(c: ResolvedConfig, m: Manifest): Map<string, string> {
  const w = written(c, m);
  // Text: only a patched sitemap (not made here) comes back as a function making bytes.
  return new Map([...siteFiles(c, w.table, w.buckets).write].map(([f, body]) => [f, String(typeof body === 'function' ? body() : body)]));
}

/** Stale files when the site goes from `before` to `after`. */
function stale(c: ResolvedConfig, before: Manifest | undefined, after: Manifest): string[] {
  const w = written(c, after);
  return staleSiteFiles(c, before && written(c, before).table, siteFiles(c, w.table, w.buckets).names);
}

const DAY1 = Date.parse('2026-01-01T00:00:00Z');
const DAY2 = Date.parse('2026-01-02T00:00:00Z');

function page(route: string, file: string | undefined, over: Partial<PageEntry> = {}): PageEntry {
  return { route, ...(file ? { file } : {}), builtAt: DAY2, changedAt: DAY1, revalidate: 3600, status: 'ok', ...over };
}

function manifest(pages: Record<string, PageEntry>): Manifest {
  return { version: 1, generator: 't', updatedAt: 0, configHash: 'h', templates: {}, routes: {}, pages };
}

const SITE = () =>
  manifest({
    '/': page('home', 'index.html', { revalidate: 60 }),
    '/blog/a & b/': page('post', 'blog/a & b/index.html', { changedAt: DAY2 }),
    '/blog/failing/': page('post', 'blog/failing/index.html', { status: 'error' }),
    '/blog/gone/': page('post', undefined, { status: 'notFound' }),
    '/blog/moved/': page('post', 'blog/moved/index.html', { status: 'redirect', redirect: { destination: '/blog/new/', permanent: true } }),
    '/blog/temp/': page('post', 'blog/temp/index.html', {
      status: 'redirect',
      redirect: { destination: 'https://other.example/x', permanent: false },
    }),
    '/blog/short/': page('post', 'blog/short/index.html', { revalidate: 30 }),
    '/feed.xml': page('feed', 'feed.xml'),
    '/404.html': page('404', '404.html', { revalidate: false }),
    '/drafts/x/': page('draft', 'drafts/x/index.html'),
  });

describe('sitemap.xml', () => {
  it('lists the pages of sitemap routes with lastmod from changedAt (when the bytes last changed)', () => {
    expect(filesOf(config(), SITE()).get('sitemap.xml')).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        '  <url><loc>https://example.com/</loc><lastmod>2026-01-01T00:00:00.000Z</lastmod></url>',
        '  <url><loc>https://example.com/blog/a%20&amp;%20b/</loc><lastmod>2026-01-02T00:00:00.000Z</lastmod></url>',
        '  <url><loc>https://example.com/blog/failing/</loc><lastmod>2026-01-01T00:00:00.000Z</lastmod></url>',
        '  <url><loc>https://example.com/blog/short/</loc><lastmod>2026-01-01T00:00:00.000Z</lastmod></url>',
        '</urlset>',
        '',
      ].join('\n'),
    );
  });

  it('is not written without site.url, with sitemap: false, or when a page claims sitemap.xml', () => {
    expect(filesOf(config({ site: {} }), SITE()).has('sitemap.xml')).toBe(false);
    expect(filesOf(config({ sitemap: false }), SITE()).has('sitemap.xml')).toBe(false);
    const m = SITE();
    m.pages['/sitemap.xml'] = page('feed', 'sitemap.xml');
    expect(filesOf(config(), m).has('sitemap.xml')).toBe(false);
  });
});

describe('sitemap of a site split in shards', () => {
  afterEach(() => void (pagesPerShard = undefined));
  const urls = (xml: string) => [...xml.matchAll(/<url><loc>[^<]*<\/loc><lastmod>[^<]*<\/lastmod><\/url>/g)].map((m) => m[0]);

  it('is an index of one sitemap per shard, together listing exactly the pages one sitemap lists', () => {
    const single = filesOf(config(), SITE()).get('sitemap.xml')!;
    perShard(2);
    const files = filesOf(config(), SITE());
    const children = [...files.keys()].filter((f) => /^sitemap-[0-9a-f]+\.xml$/.test(f));
    expect(children.length).toBeGreaterThan(1);
    expect(children.flatMap((f) => urls(files.get(f)!)).sort()).toEqual(urls(single).sort());
    const index = files.get('sitemap.xml')!;
    expect(index).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<sitemapindex xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">\n/,
    );
    // Each child once, with the latest lastmod of its pages.
    for (const f of children) {
      const latest = urls(files.get(f)!)
        .map((u) => u.match(/<lastmod>(.*)<\/lastmod>/)![1])
        .sort()
        .pop();
      expect(index).toContain(`  <sitemap><loc>https://example.com/${f}</loc><lastmod>${latest}</lastmod></sitemap>\n`);
    }
    expect(index.match(/<sitemap>/g)).toHaveLength(children.length);
  });

  /** A sharded site written once, then a second write of one of its shards that has a sitemap. */
  function rewriteOneShard() {
    perShard(2);
    const c = config();
    const m = SITE();
    const first = written(c, m);
    m.shards = first.table;
    const id = Object.keys(first.table.info).find((k) => first.table.info[k]!.sitemap)!;
    const w = prepareShards(m, {
      dirty: new Set([id]),
      routes: new Map(c.routes.map((r) => [r.name, { revalidate: r.revalidate, sitemap: r.sitemap }])),
      pagesPerShard,
    });
    return { c, w, id };
  }

  it('rewrites only the sitemap of a shard that changed, and the index', () => {
    const { c, w, id } = rewriteOneShard();
    expect([...siteFiles(c, w.table, w.buckets).write.keys()].filter((f) => f.startsWith('sitemap')).sort()).toEqual([
      `sitemap-${id}.xml`,
      'sitemap.xml',
    ]);
  });

  it('leaves the index alone when no shard has a sitemap that changed', () => {
    const { c, w } = rewriteOneShard();
    const files = siteFiles(c, w.table, w.buckets, new Set());
    expect([...files.write.keys()].filter((f) => f.startsWith('sitemap'))).toEqual([]);
    expect(files.names.has('sitemap.xml'), 'still a file of the site, not one to delete').toBe(true);
  });

  it('names the sitemaps of a former split for deletion when the site is split anew', () => {
    perShard(2);
    const before = SITE();
    const w = written(config(), before);
    perShard(1000);
    const after = written(config(), SITE());
    const gone = staleSiteFiles(config(), w.table, siteFiles(config(), after.table, after.buckets).names);
    expect(gone.length).toBeGreaterThan(1);
    expect(gone.every((f) => /^sitemap-[0-9a-f]+\.xml$/.test(f))).toBe(true);
  });
});

describe('_headers', () => {
  it('has a Cache-Control rule per route and an override per page whose revalidate differs', () => {
    expect(filesOf(config(), SITE()).get('_headers')).toBe(
      [
        '# Written by isr: Cache-Control per page from its revalidate interval.',
        '/',
        '  Cache-Control: public, max-age=0, s-maxage=60, stale-while-revalidate=60',
        '/blog/:slug/',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/feed.xml',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/404.html',
        '  Cache-Control: public, max-age=0, s-maxage=31536000, must-revalidate',
        '/drafts/:slug/',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/blog/short/',
        '  ! Cache-Control',
        '  Cache-Control: public, max-age=0, s-maxage=30, stale-while-revalidate=30',
        '',
      ].join('\n'),
    );
  });

  it('is not written with headersFile: false', () => {
    expect(filesOf(config({ headersFile: false }), SITE()).has('_headers')).toBe(false);
  });
});

describe('_redirects', () => {
  it('has one line per redirect page: 308 when permanent, 307 otherwise', () => {
    expect(filesOf(config(), SITE()).get('_redirects')).toBe('/blog/moved/ /blog/new/ 308\n/blog/temp/ https://other.example/x 307\n');
  });

  it('is not written when no page redirects', () => {
    expect(filesOf(config(), manifest({ '/': page('home', 'index.html') })).has('_redirects')).toBe(false);
  });
});

describe('stale site files', () => {
  it('names _redirects for deletion once the last redirecting page is gone', () => {
    const now = manifest({ '/': page('home', 'index.html') });
    expect(stale(config(), SITE(), now)).toEqual(['_redirects']);
  });

  it('names nothing while a page still redirects, or when none ever did', () => {
    expect(stale(config(), SITE(), SITE())).toEqual([]);
    const plain = manifest({ '/': page('home', 'index.html') });
    expect(stale(config(), plain, plain)).toEqual([]);
    expect(stale(config(), undefined, plain)).toEqual([]);
  });
});

describe('redirect stub', () => {
  it('is an HTML page with a meta refresh, canonical link and escaped destination', () => {
    expect(redirectStub('/a?b=1&c="2"')).toBe(
      '<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title><meta http-equiv="refresh" content="0; url=/a?b=1&amp;c=&quot;2&quot;"><link rel="canonical" href="/a?b=1&amp;c=&quot;2&quot;"><meta name="robots" content="noindex"></head><body><a href="/a?b=1&amp;c=&quot;2&quot;">Redirecting to /a?b=1&amp;c=&quot;2&quot;</a></body></html>\n',
    );
  });
});
