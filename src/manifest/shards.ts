/**
 * How the manifest's pages are split into shard files, and what the head records of each shard.
 *
 * Why shards: a regen from cron or a webhook usually touches a handful of pages, but one
 * manifest file made every such run parse and rewrite an entry for every page of the site
 * (34 MB at 100k pages, seconds of work). A page lives in the shard named by a hash of its URL
 * path; the head (`manifest.json`) keeps a small summary of every shard, so a run loads only the
 * shards that hold a page it must look at and rewrites only the shards it changed.
 *
 * Pure: no disk. `manifest.ts` reads and writes the files.
 */
import type { Revalidate } from '../types.js';
import { type PageEntry, redirectOf, type ShardTable } from './model.js';

/**
 * Pages per shard aimed at when the split is chosen. Small enough that loading and rewriting one
 * shard costs about a millisecond, large enough that a 100k-page site has a few hundred files.
 * A run may aim at another (`RunOptions.pagesPerShard`: the commands' `ISR_PAGES_PER_SHARD`,
 * which tests use to split small fixture sites).
 */
export function targetPagesPerShard(): number {
  return 512;
}

/** The shard a URL path belongs to with `bits` bits of split: FNV-1a of the path, top bits, hex. */
export function shardOf(urlPath: string, bits: number): string {
  if (bits === 0) return '0';
  return (pathHash(urlPath) >>> (32 - bits)).toString(16).padStart(Math.ceil(bits / 4), '0');
}

/** FNV-1a of a URL path, unsigned 32 bits: its top bits pick its shard. */
export function pathHash(urlPath: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < urlPath.length; i++) {
    h ^= urlPath.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Most split bits (65,536 shards; shard ids are at most four hex digits, see SHARD_FILE). */
export const MAX_BITS = 16;

/**
 * Most pages a run may leave in a shard it adds pages to: twice the target, the top of
 * `chooseBits`'s band. A run that would write a shard past it reads every shard and splits the
 * manifest again (`splitBits`). Why it is needed: the split is otherwise chosen only by runs that
 * hold every page (a build, a listing), and pages named on demand (`isr serve`'s fallback, a
 * webhook, `--path`) are added by runs that read a few shards: a flood of them once grew one
 * shard to 4,004 pages (960 KB read and rewritten by every later run that touched it).
 */
export function maxPagesPerShard(target = targetPagesPerShard()): number {
  return 2 * target;
}

/**
 * The shards a write would take past `maxPagesPerShard`, given each shard's page count in the
 * head and the pages a run added (absent before, present after) and dropped. Only shards that
 * grow count: one a build left a little over the bound by chance is not split for it.
 */
export function outgrownShards(
  table: Pick<ShardTable, 'bits' | 'info'>,
  added: Iterable<string>,
  dropped: Iterable<string>,
  max = maxPagesPerShard(),
): string[] {
  const delta = new Map<string, number>();
  for (const key of added) delta.set(shardOf(key, table.bits), (delta.get(shardOf(key, table.bits)) ?? 0) + 1);
  for (const key of dropped) delta.set(shardOf(key, table.bits), (delta.get(shardOf(key, table.bits)) ?? 0) - 1);
  const out: string[] = [];
  for (const [id, d] of delta) if (d > 0 && (table.info[id]?.pages ?? 0) + d > max) out.push(id);
  return out.sort();
}

/**
 * The split for a manifest in which a shard outgrew `maxPagesPerShard`: `chooseBits`'s, then one
 * more bit while a shard would still hold more than the bound (up to `MAX_BITS`; only paths that
 * share a long hash prefix, which a per-route cap on on-demand pages bounds, could need more).
 */
export function splitBits(keys: readonly string[], current: number | undefined, target = targetPagesPerShard()): number {
  let bits = Math.max(chooseBits(keys.length, current, target), current ?? 0);
  const max = maxPagesPerShard(target);
  const hashes = Uint32Array.from(keys, pathHash);
  while (bits < MAX_BITS && largestShard(hashes, bits) > max) bits++;
  return bits;
}

function largestShard(hashes: Uint32Array, bits: number): number {
  if (bits === 0) return hashes.length;
  const counts = new Uint32Array(2 ** bits);
  let most = 0;
  for (const h of hashes) {
    const n = ++counts[h >>> (32 - bits)]!;
    if (n > most) most = n;
  }
  return most;
}

/** Every shard id for `bits`. */
export function shardIds(bits: number): string[] {
  return Array.from({ length: 2 ** bits }, (_, i) => (bits === 0 ? '0' : i.toString(16).padStart(Math.ceil(bits / 4), '0')));
}

/**
 * The split for `pages` pages, given the current one. The current split is kept while shards
 * average between an eighth and twice the target: a site that grows or shrinks a little does not
 * rewrite every shard back and forth. Out of that band, the smallest split that meets the target.
 */
export function chooseBits(pages: number, current: number | undefined, target = targetPagesPerShard()): number {
  if (current !== undefined) {
    const avg = pages / 2 ** current;
    if (avg <= target * 2 && (avg >= target / 8 || current === 0)) return current;
  }
  let bits = 0;
  while (pages / 2 ** bits > target && bits < MAX_BITS) bits++;
  return bits;
}

/** What the head knows of one shard without reading it. */
export interface ShardInfo {
  /** File name inside the shard folder (`3a.17.json`: shard id and the generation that wrote it). */
  file: string;
  /** Pages in the shard. */
  pages: number;
  /** Earliest epoch ms at which one of its pages is due (expiry, or a failed page's retry). */
  nextDueAt?: number;
  /** Per route: its pages here, how many are `notFound`, the distinct `templateHash` values. */
  routes: Record<string, { pages: number; notFound?: number; templateHashes: string[] }>;
  /** Pages listed in the sitemap, and the latest `changedAt` among them (the index's `lastmod`). */
  sitemap?: { urls: number; lastmod: number };
  /** Pages whose own revalidate differs from their route's (`_headers` needs them). */
  overrides?: Record<string, Revalidate>;
  /** Redirecting pages (`_redirects` needs them). */
  redirects?: Record<string, { destination: string; permanent: boolean }>;
  /** Page files at the top of outDir (they could be named like a site file, e.g. `sitemap.xml`). */
  topFiles?: string[];
  /** A Bloom filter of the tags its pages recorded (see `tagFilter`): `--tag` loads only the
   * shards that may hold a page with the tag. Absent: no page here has a tag. */
  tags?: string;
}

/** What summarizing needs of a route. */
export interface RouteFacts {
  revalidate: Revalidate;
  sitemap: boolean;
  /** On-demand pages are listed too (route option `sitemapOnDemand`). */
  sitemapOnDemand?: boolean;
}

/** The summary of one shard's pages (`file` is set by the writer). */
export function summarizeShard(pages: ReadonlyMap<string, PageEntry>, routes: ReadonlyMap<string, RouteFacts>): Omit<ShardInfo, 'file'> {
  let nextDueAt = Infinity;
  const info: Omit<ShardInfo, 'file'> = { pages: pages.size, routes: {} };
  const tags = new Set<string>();
  for (const [key, e] of pages) {
    if (e.tags) for (const t of e.tags) tags.add(t);
    // The planner's due rule (plan-regen.ts isDue / retries): a shard due now is loaded.
    const at = dueAt(e);
    if (at < nextDueAt) nextDueAt = at;
    const r = (info.routes[e.route] ??= { pages: 0, templateHashes: [] });
    r.pages++;
    if (e.status === 'notFound') r.notFound = (r.notFound ?? 0) + 1;
    if (e.templateHash && !r.templateHashes.includes(e.templateHash)) r.templateHashes.push(e.templateHash);
    const route = routes.get(e.route);
    if (inSitemap(e, route)) {
      info.sitemap ??= { urls: 0, lastmod: 0 };
      info.sitemap.urls++;
      if (e.changedAt > info.sitemap.lastmod) info.sitemap.lastmod = e.changedAt;
    }
    if (route && e.file && e.revalidate !== route.revalidate) (info.overrides ??= {})[key] = e.revalidate;
    const redirect = redirectOf(e);
    if (redirect) (info.redirects ??= {})[key] = redirect;
    if (e.file && !e.file.includes('/')) (info.topFiles ??= []).push(e.file);
  }
  for (const r of Object.values(info.routes)) r.templateHashes.sort();
  if (Number.isFinite(nextDueAt)) info.nextDueAt = nextDueAt;
  if (tags.size) info.tags = tagFilter(tags);
  return canonicalInfo(info);
}

/**
 * Listed in the sitemap: a page with a file, rendered (or failed, its last good file kept), of a
 * route in the sitemap, and not on demand unless the route lists those too (anyone can make a
 * fallback route render pages: they must not fill the sitemap). One rule for the summaries,
 * their patches and the sitemap files, which must agree line for line (site-files.ts).
 */
export function inSitemap(e: PageEntry, route: Pick<RouteFacts, 'sitemap' | 'sitemapOnDemand'> | undefined): boolean {
  return (
    !!e.file &&
    (e.status === 'ok' || (e.status === 'error' && !redirectOf(e))) &&
    !!route?.sitemap &&
    (!e.onDemand || !!route.sitemapOnDemand)
  );
}

/** When a page is next due: its expiry, a failed page's retry, or never (Infinity). */
export function dueAt(e: PageEntry): number {
  return e.status === 'error' ? (e.retryAt ?? 0) : e.revalidate === false ? Infinity : e.builtAt + e.revalidate * 1000;
}

/** A summary with its fields in one fixed order, however it was built (shard-patch.ts patches
 * summaries): the head's bytes then depend only on what it says. */
export function canonicalInfo(i: Omit<ShardInfo, 'file'>): Omit<ShardInfo, 'file'> {
  return {
    pages: i.pages,
    routes: i.routes,
    ...(i.sitemap && { sitemap: i.sitemap }),
    ...(i.overrides && { overrides: i.overrides }),
    ...(i.redirects && { redirects: i.redirects }),
    ...(i.topFiles && { topFiles: i.topFiles }),
    ...(i.nextDueAt !== undefined && { nextDueAt: i.nextDueAt }),
    ...(i.tags !== undefined && { tags: i.tags }),
  };
}

/**
 * A Bloom filter of `tags`, as `<bits>:<base64>`: about 10 bits a tag, 7 probes, so a tag not in
 * the set is taken for one about 1% of the time (a shard loaded for nothing) and a tag in the set
 * never missed. Why not the tags themselves: a 100k-page site records 100k+ tags, and the head is
 * read by every run; the filters cost ~1.2 bytes a tag.
 */
export function tagFilter(tags: ReadonlySet<string>): string {
  const m = Math.max(64, Math.ceil((tags.size * 10) / 8) * 8);
  const bits = new Uint8Array(m / 8);
  for (const t of tags) {
    const h = hashTag(t);
    for (let i = 0; i < PROBES; i++) {
      const b = probe(h, i, m);
      bits[b >> 3]! |= 1 << (b & 7);
    }
  }
  return `${m}:${Buffer.from(bits).toString('base64')}`;
}

/** A tag's two hashes, computed once and probed against every shard's filter. */
export type TagHash = readonly [number, number];

export function hashTag(tag: string): TagHash {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 13);
  }
  return [h1 >>> 0, (h2 >>> 0) | 1];
}

/**
 * Membership test of a shard's filter: false means the tag is certainly not there. No filter: no
 * page has a tag. A filter that does not parse cannot rule anything out.
 */
export function readTagFilter(filter: string | undefined): (h: TagHash) => boolean {
  if (filter === undefined) return () => false;
  const colon = filter.indexOf(':');
  const m = Number(filter.slice(0, colon));
  const bits = Buffer.from(filter.slice(colon + 1), 'base64');
  if (!Number.isInteger(m) || m <= 0 || bits.length * 8 !== m) return () => true;
  return (h) => {
    for (let i = 0; i < PROBES; i++) {
      const b = probe(h, i, m);
      if (!(bits[b >> 3]! & (1 << (b & 7)))) return false;
    }
    return true;
  };
}

/** Seven probes (double hashing): with ~10 bits a tag, ~1% false positives. */
const PROBES = 7;

function probe(h: TagHash, i: number, m: number): number {
  return ((h[0] + Math.imul(i, h[1])) >>> 0) % m;
}

/** Shard file names: id and generation only, so a tampered head cannot point anywhere else. */
export const SHARD_FILE = /^([0-9a-f]{1,4})\.(\d{1,15})\.json$/;
