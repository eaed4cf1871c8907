import type { ResolvedConfig } from '../config/resolve-config.js';
import type { PageEntry, ShardTable } from '../manifest/manifest.js';
import type { EntryChange } from '../manifest/shard-patch.js';
import { inSitemap } from '../manifest/shards.js';
import { HEADERS_MARK, headersText, redirectsText } from './host-files.js';

/**
 * Files derived from the whole site (not from one page): `sitemap.xml`, `_headers` and
 * `_redirects`. They are built from the shard summaries of the manifest head plus the pages of
 * the shards this run rewrites, never from every page: a run that changes one page of a 100k-page
 * site costs what one page costs. Only the files that can have changed are returned (`write`);
 * the caller compares them with what is on disk. `names` is every site file the site has now.
 *
 * A patched shard's sitemap is returned as a function (`Made`) that reads the file and edits it
 * in the buffer reused by whole-file reads when called: take them one at a time, each written
 * before the next is taken.
 *
 * The sitemap: one `sitemap.xml` while the manifest is one shard; beyond that, `sitemap.xml` is a
 * sitemap index naming one `sitemap-<shard>.xml` per shard (the protocol's answer for large sites;
 * one file may hold at most 50,000 URLs anyway), so a changed page rewrites its shard's sitemap and
 * the small index only.
 */
export function siteFiles(
  config: ResolvedConfig,
  table: ShardTable,
  buckets: ReadonlyMap<string, ReadonlyMap<string, PageEntry>>,
  /** The rewritten shards whose sitemap can have changed (default: all of them). */
  sitemaps: ReadonlySet<string> | 'all' = 'all',
  /** Rewritten shards not loaded whole (their changed pages, and all their pages on demand; see
   * manifest/shard-patch.ts), and the current text of a site file: such a shard's sitemap is the
   * current one with the changed pages' lines edited. */
  patched?: {
    shards: ReadonlyMap<string, { changes: readonly EntryChange[]; pages(): ReadonlyMap<string, PageEntry> }>;
    read(file: string): Buffer | undefined;
  },
): { write: Map<string, string | Made>; names: Set<string> } {
  const write = new Map<string, string | Made>();
  const names = siteFileNames(config, table);
  const shards = Object.entries(table.info);
  // Every URL below is public: the base path is added to the page paths (config/base-path.ts).
  // `base` here is the site's root URL without its final "/": `https://user.github.io/repo`.
  const base = config.site.url ? new URL(config.base, config.site.url).href.slice(0, -1) : '';
  const routes = new Map(config.routes.map((r) => [r.name, r]));
  const listed = (p: PageEntry) => inSitemap(p, routes.get(p.route));

  const urlset = (pages: ReadonlyMap<string, PageEntry>) => {
    const urls: string[] = [];
    for (const path of [...pages.keys()].sort()) {
      const p = pages.get(path)!;
      if (!listed(p)) continue;
      urls.push(`  <url><loc>${xml(base + encodeURI(path))}</loc><lastmod>${iso(p.changedAt)}</lastmod></url>`);
    }
    return `${URLSET_HEAD}${urls.join('\n')}\n</urlset>\n`;
  };
  // A patched shard's sitemap: each changed page's <lastmod> edited in the file as it is, which is
  // exact when that file is what the manifest before the run gives (the old line is found
  // verbatim). Otherwise, or when a page joins or leaves it, it is made from the shard's new text.
  // Bytes, not text: a 1% edit of a 20k site edits ~59 sitemaps of ~37 KB, and as strings they
  // were decoded, copied by the young-generation GC, re-encoded and compared; as fresh Buffers
  // they cost page faults. A lastmod is an ISO date of fixed width, so the new one is written
  // over the old in the reused buffer the file was read into.
  const patchedUrlset =
    (file: string, shard: { changes: readonly EntryChange[]; pages(): ReadonlyMap<string, PageEntry> }): Made =>
    () => {
      if (!shard.changes.every((c) => listed(c.before) === listed(c.after))) return urlset(shard.pages());
      const bytes = patched!.read(file);
      if (bytes === undefined) return urlset(shard.pages());
      let edited = false;
      for (const { key, before: a, after: b } of shard.changes) {
        if (!listed(a) || a.changedAt === b.changedAt) continue;
        const head = `  <url><loc>${xml(base + encodeURI(key))}</loc><lastmod>`;
        const was = iso(a.changedAt);
        const now = iso(b.changedAt);
        const at = bytes.indexOf(`${head}${was}</lastmod></url>\n`);
        if (at < 0 || now.length !== was.length) return urlset(shard.pages());
        bytes.write(now, at + Buffer.byteLength(head), 'latin1');
        edited = true;
      }
      return edited ? bytes : undefined;
    };
  const sitemapOf = (id: string, file: string): string | Made | undefined => {
    const pages = buckets.get(id);
    // Made when taken (one at a time, each staged before the next): `isr serve` answers requests
    // between them instead of waiting for every shard's sitemap at once (time-slice.ts).
    if (pages) return () => urlset(pages);
    const p = patched?.shards.get(id);
    return p && patchedUrlset(file, p);
  };
  if (names.has('sitemap.xml')) {
    if (table.bits === 0) {
      // `pages` can be a shard not rewritten in this run: then its sitemap has not changed either.
      const only = sitemaps === 'all' || sitemaps.has('0') ? sitemapOf('0', 'sitemap.xml') : undefined;
      if (only !== undefined) write.set('sitemap.xml', only);
      else if (!table.info['0']) write.set('sitemap.xml', urlset(new Map()));
    } else if (sitemaps === 'all' || sitemaps.size > 0) {
      // The index lists each shard's sitemap with its lastmod: with no shard's sitemap changed
      // (most regenerations: same bytes, same changedAt) it cannot have changed either, and a
      // 100k-page site's index is 256 entries to format and compare on every run.
      for (const id of [...buckets.keys(), ...(patched?.shards.keys() ?? [])]) {
        const file = childSitemap(id);
        if (!names.has(file) || (sitemaps !== 'all' && !sitemaps.has(id))) continue;
        const text = sitemapOf(id, file);
        if (text !== undefined) write.set(file, text);
      }
      const entries = shards
        .filter(([id]) => names.has(childSitemap(id)))
        .map(
          ([id, s]) => `  <sitemap><loc>${xml(`${base}/${childSitemap(id)}`)}</loc><lastmod>${iso(s.sitemap!.lastmod)}</lastmod></sitemap>`,
        );
      write.set('sitemap.xml', `${INDEX_HEAD}${entries.join('\n')}\n</sitemapindex>\n`);
    }
  }

  if (names.has('_headers')) write.set('_headers', headersText(config, Object.values(table.info)));
  if (names.has('_redirects')) write.set('_redirects', redirectsText(config, Object.values(table.info)));
  return { write, names };
}

/**
 * The site files a manifest with this shard table has, under the current config. A page that
 * claims one of the names for itself (a route writing `/sitemap.xml`) wins over it.
 */
export function siteFileNames(config: ResolvedConfig, table: Pick<ShardTable, 'bits' | 'info'>): Set<string> {
  const claimed = new Set<string>();
  const shards = Object.entries(table.info);
  for (const [, s] of shards) for (const f of s.topFiles ?? []) claimed.add(f);
  const names = new Set<string>();
  const add = (f: string) => void (claimed.has(f) || names.add(f));
  if (config.sitemap && config.site.url) {
    add('sitemap.xml');
    if (table.bits > 0) for (const [id, s] of shards) if (s.sitemap?.urls) add(childSitemap(id));
  }
  if (config.headersFile) add('_headers');
  if (shards.some(([, s]) => s.redirects && Object.keys(s.redirects).length)) add('_redirects');
  return names;
}

/**
 * Site files an earlier run wrote that the site no longer has, to delete: a shard's sitemap when
 * the shard is gone or re-split, `_redirects` when the last redirecting page became a page again
 * (a stale one is harmful: hosts apply it before serving files, so the page would keep
 * redirecting).
 */
export function staleSiteFiles(
  config: ResolvedConfig,
  previous: Pick<ShardTable, 'bits' | 'info'> | undefined,
  current: ReadonlySet<string>,
): string[] {
  return previous ? [...siteFileNames(config, previous)].filter((f) => !current.has(f)) : [];
}

/**
 * Site files the config has turned off (`headersFile: false`, `sitemap: false` or no `site.url`)
 * that are still on disk as isr wrote them: left there, they would be deployed stale (a `_headers`
 * with old Cache-Control rules, a sitemap listing pages long gone). Asked for on a config change
 * only (turning a file off changes the config), and a file is isr's only if it begins as isr
 * writes it (`read` gives its text): a `_headers` or sitemap of your own under that name, copied
 * into the output folder, is left alone. A page that claims the name keeps it.
 */
export function disabledSiteFiles(
  config: ResolvedConfig,
  previous: Pick<ShardTable, 'info'> | undefined,
  current: Pick<ShardTable, 'info'>,
  read: (file: string) => string | undefined,
): string[] {
  const claimed = new Set<string>();
  for (const s of Object.values(current.info)) for (const f of s.topFiles ?? []) claimed.add(f);
  const off: [string, readonly string[]][] = [];
  if (!config.headersFile) off.push(['_headers', [HEADERS_MARK]]);
  if (!config.sitemap || !config.site.url) {
    off.push(['sitemap.xml', [URLSET_HEAD, INDEX_HEAD]]);
    for (const id of Object.keys(previous?.info ?? {})) off.push([childSitemap(id), [URLSET_HEAD]]);
  }
  return off
    .filter(([file, heads]) => {
      const text = claimed.has(file) ? undefined : read(file);
      return text !== undefined && heads.some((h) => text.startsWith(h));
    })
    .map(([file]) => file);
}

/** How isr's own site files begin (see disabledSiteFiles). */
const URLSET_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n`;
const INDEX_HEAD = `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n`;

function childSitemap(id: string): string {
  return `sitemap-${id}.xml`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The HTML stub written for a redirect: works on any static host, even without `_redirects`. */
export function redirectStub(destination: string): string {
  const d = xml(destination);
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title><meta http-equiv="refresh" content="0; url=${d}"><link rel="canonical" href="${d}"><meta name="robots" content="noindex"></head><body><a href="${d}">Redirecting to ${d}</a></body></html>\n`;
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A site file made when called: the current file's bytes edited in a buffer reused by the next
 * whole-file read (write them out before taking another), the file made whole as text, or
 * undefined when it does not change.
 */
export type Made = () => Buffer | string | undefined;
