/**
 * The manifest's shape: what a run holds in memory and the files hold on disk. Reading is in
 * manifest.ts (and parse.ts), writing in write-manifest.ts.
 */
import path from 'node:path';
import type { Params, Revalidate } from '../types.js';
import type { ShardInfo } from './shards.js';

/**
 * Bumped on any incompatible change; a manifest of another version is refused, never guessed at.
 * Version 1 (one file holding every page) is still read, and written back as version 2.
 */
export const MANIFEST_VERSION = 2;

/**
 * One page of the site, keyed in `Manifest.pages` by its URL path (`/blog/hello/`).
 *
 * Invariant: an entry describes what is on disk at `file` (or, after a crash between publishing
 * and writing the manifest, something older: the page then just renders again when due).
 */
export interface PageEntry {
  /** Route name (see `RouteConfig.name`). */
  route: string;
  /** Params the page was built from; omitted for fixed routes. */
  params?: Params;
  /** Output file relative to outDir, "/" separated. Absent for `notFound` pages. */
  file?: string;
  /** Epoch ms of the last successful load+render (moves on even when the output was unchanged). */
  builtAt: number;
  /** Epoch ms when the output bytes last changed (sitemap `lastmod`). */
  changedAt: number;
  /** Effective revalidate of the last successful load, in seconds, or false. */
  revalidate: Revalidate;
  /** Hash of the props the page was rendered from. */
  dataHash?: string;
  /** Hash of the template and every layout/partial it used (see `Manifest.templates`). */
  templateHash?: string;
  /** Hash of the output bytes on disk. */
  outputHash?: string;
  /** Object stores only: the store version of the page's object as this run put it (S3: its
   * ETag), so that the next put of it is conditional on it (run/object-publish.ts). */
  version?: string;
  /** Dependencies: tracked by sources (`file:…`, `url:…`) plus those returned by `load`. Sorted. */
  tags?: string[];
  /** `ok`: file is current; `error`: last attempt failed (the last good file stays);
   * `notFound`: load said so (no file, served as 404); `redirect`: file is a redirect stub. */
  status: 'ok' | 'error' | 'notFound' | 'redirect';
  /** Redirect target for `status: 'redirect'`, with `permanent` for a 308. */
  redirect?: { destination: string; permanent: boolean };
  /** Last error as one line (`status: 'error'`). */
  error?: string;
  /** Consecutive failed attempts; reset by a success. */
  attempts?: number;
  /** Epoch ms before which a failed page is not retried (backoff, capped at its revalidate). */
  retryAt?: number;
  /** Built because it was named (`--path`, serve fallback), not listed by `paths()`: a re-listing
   * that does not include it keeps it; only its own `notFound` removes it. */
  onDemand?: true;
}

/**
 * The redirect a page's file is: a redirect page's, and a failed page's whose last good output was
 * a redirect stub (a failure keeps the last good file, so it keeps its redirect too: its
 * `_redirects` line, its absence from the sitemap, serve's 307/308). A page rendered since carries
 * no `redirect` (execute-plan.ts builds its entry afresh).
 */
export function redirectOf(e: PageEntry): { destination: string; permanent: boolean } | undefined {
  return e.status === 'redirect' || e.status === 'error' ? e.redirect : undefined;
}

/** A route's last `paths()` listing: when it is due again and what it depended on. */
export interface RouteEntry {
  /** Epoch ms of the last successful listing. */
  listedAt: number;
  /** Effective list interval at that time. */
  listRevalidate: Revalidate;
  /** Tags the listing tracked (e.g. `files:content/posts`); `--tag` re-lists on a match. */
  tags?: string[];
  /** Last listing error, if the last attempt failed (pages are then kept as they were). */
  error?: string;
}

/** A template's state at the last run: its own hash and the files it pulled in. */
export interface TemplateEntry {
  /** Hash of this file alone. */
  hash: string;
  /** Layouts/partials seen used by this template's renders, relative to templatesDir. */
  deps: string[];
}

/**
 * The manifest as a run holds it. On disk it is a head (`manifest.json`: everything below but
 * `pages`, plus a summary of every shard) and one file per shard of pages in the folder beside
 * it (`manifest-pages/<shard>.<generation>.json`); see shards.ts for why.
 */
export interface Manifest {
  version: number;
  /** `isr <version>` that wrote it (informative). */
  generator: string;
  /** Epoch ms of the last write. */
  updatedAt: number;
  /** Hash of the config source used for the last full build; a change re-renders every page. */
  configHash: string;
  /** Every template used, keyed by path relative to templatesDir. */
  templates: Record<string, TemplateEntry>;
  routes: Record<string, RouteEntry>;
  /** The pages of the loaded shards (all of them after `readManifest`), keyed by URL path. */
  pages: Record<string, PageEntry>;
  /** Files to delete after this manifest is written (a crash in between leaves them listed here). */
  pendingRemovals?: string[];
  /**
   * Object stores only: each site file (sitemaps, `_headers`, `_redirects`) → the store version of
   * the bytes last uploaded (S3: their MD5, the ETag; a store that cannot say it in advance: their
   * hash), which a run compares with instead of a published file it does not have at hand
   * (run/object-state.ts), and which its next put of the file is conditional on
   * (run/object-publish.ts). Absent on the file system.
   */
  siteFiles?: Record<string, string>;
  /** How the pages are split on disk; absent for a manifest never written (or read from version 1). */
  shards?: ShardTable;
}

export interface ShardTable {
  /** Counts writes; a shard file is named by the generation that wrote it, so a new head can
   * switch to new shard files in one rename while readers of the old head still find theirs. */
  generation: number;
  /** Bits of the path hash that pick a shard (0: one shard). */
  bits: number;
  /** Every shard with pages, by id. */
  info: Record<string, ShardInfo>;
  /** Which shards' pages are in `Manifest.pages` (in memory only). */
  loaded: 'all' | Set<string>;
  /** Shards of which only some entries were read (in memory only; see shard-patch.ts). Not in
   * `loaded`: the rest of their pages are not in `Manifest.pages`. */
  partial?: Set<string>;
}

export function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, generator: '', updatedAt: 0, configHash: '', templates: {}, routes: {}, pages: {} };
}

/** The folder of the shard files of the manifest at `file`. */
export function shardDir(file: string): string {
  return path.join(path.dirname(file), `${path.basename(file, '.json')}-pages`);
}

/** True when every page of the manifest is in `pages`. */
export function allLoaded(m: Manifest): boolean {
  return !m.shards || m.shards.loaded === 'all';
}
