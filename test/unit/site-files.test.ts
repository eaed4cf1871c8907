import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ResolvedConfig } from '../../src/config/resolve-config.js';
import type { Manifest, PageEntry } from '../../src/manifest/manifest.js';
import type { UserConfig } from '../../src/types.js';
import { redirectStub, siteFiles, staleSiteFiles } from '../../src/write/site-files.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'isr-sitefiles-'));
  mkdirSync(path.join(root, 'templates'));
  writeFileSync(path.join(root, 'templates', 'page.eta'), '');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

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
  return resolveConfig(user, { root, configFile: path.join(root, 'isr.config.mjs'), configHash: 'h', overrides: {} });
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
    '/blog/temp/': page('post', 'blog/temp/index.html', { status: 'redirect', redirect: { destination: 'https://other.example/x', permanent: false } }),
    '/blog/short/': page('post', 'blog/short/index.html', { revalidate: 30 }),
    '/feed.xml': page('feed', 'feed.xml'),
    '/404.html': page('404', '404.html', { revalidate: false }),
    '/drafts/x/': page('draft', 'drafts/x/index.html'),
  });

describe('sitemap.xml', () => {
  it('lists the pages of sitemap routes with lastmod from changedAt (when the bytes last changed)', () => {
    expect(siteFiles(config(), SITE()).get('sitemap.xml')).toBe(
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
    expect(siteFiles(config({ site: {} }), SITE()).has('sitemap.xml')).toBe(false);
    expect(siteFiles(config({ sitemap: false }), SITE()).has('sitemap.xml')).toBe(false);
    const m = SITE();
    m.pages['/sitemap.xml'] = page('feed', 'sitemap.xml');
    expect(siteFiles(config(), m).has('sitemap.xml')).toBe(false);
  });
});

describe('_headers', () => {
  it('has a Cache-Control rule per route and an override per page whose revalidate differs', () => {
    expect(siteFiles(config(), SITE()).get('_headers')).toBe(
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
    expect(siteFiles(config({ headersFile: false }), SITE()).has('_headers')).toBe(false);
  });
});

describe('_redirects', () => {
  it('has one line per redirect page: 308 when permanent, 307 otherwise', () => {
    expect(siteFiles(config(), SITE()).get('_redirects')).toBe('/blog/moved/ /blog/new/ 308\n/blog/temp/ https://other.example/x 307\n');
  });

  it('is not written when no page redirects', () => {
    expect(siteFiles(config(), manifest({ '/': page('home', 'index.html') })).has('_redirects')).toBe(false);
  });
});

describe('stale site files', () => {
  it('names _redirects for deletion once the last redirecting page is gone', () => {
    const now = manifest({ '/': page('home', 'index.html') });
    expect(staleSiteFiles(SITE(), siteFiles(config(), now))).toEqual(['_redirects']);
  });

  it('names nothing while a page still redirects, or when none ever did', () => {
    expect(staleSiteFiles(SITE(), siteFiles(config(), SITE()))).toEqual([]);
    const plain = manifest({ '/': page('home', 'index.html') });
    expect(staleSiteFiles(plain, siteFiles(config(), plain))).toEqual([]);
    expect(staleSiteFiles(undefined, siteFiles(config(), plain))).toEqual([]);
  });
});

describe('redirect stub', () => {
  it('is an HTML page with a meta refresh, canonical link and escaped destination', () => {
    expect(redirectStub('/a?b=1&c="2"')).toBe(
      '<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title><meta http-equiv="refresh" content="0; url=/a?b=1&amp;c=&quot;2&quot;"><link rel="canonical" href="/a?b=1&amp;c=&quot;2&quot;"><meta name="robots" content="noindex"></head><body><a href="/a?b=1&amp;c=&quot;2&quot;">Redirecting to /a?b=1&amp;c=&quot;2&quot;</a></body></html>\n',
    );
  });
});
