/**
 * The manifest's shape and how it is read: the head (`openManifest`), then only the shards a run
 * needs (`loadShards`), every entry validated so a tampered file cannot point outside outDir.
 * Writing is in write-manifest.ts.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { IsrError } from '../errors.js';
import type { Params, Revalidate } from '../types.js';
import { findEntries, framed } from './shard-patch.js';
import { hashTag, readTagFilter, SHARD_FILE, shardOf, type ShardInfo } from './shards.js';

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

/**
 * What identifies one version of a file: inode, size and mtime. Every manifest write is a
 * rename of a new file, so a new write gives a new inode even within one mtime tick.
 */
export function fileSignature(file: string): string | undefined {
  try {
    return signatureOfStats(statSync(file));
  } catch {
    return undefined;
  }
}

/** The `fileSignature` of stats already taken (`isr serve` stats without blocking). */
export function signatureOfStats(s: { ino: number; size: number; mtimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}

/** True when every page of the manifest is in `pages`. */
export function allLoaded(m: Manifest): boolean {
  return !m.shards || m.shards.loaded === 'all';
}

/**
 * Read the manifest's head: everything but the pages, which stay on disk until `loadShards`.
 * `undefined` when there is none (a first build); a clear error when it is unreadable, corrupt or
 * of another version, so nothing is ever built on a guess. A version 1 file comes with all its
 * pages loaded.
 */
export function openManifest(file: string, root: string): Manifest | undefined {
  const text = readText(file, root);
  return text === undefined ? undefined : parseHead(text, file, root);
}

/** Entries a run needs of some shards (see plan/shards-to-load.ts `entriesOnly`). */
export interface EntriesOnly {
  ids: ReadonlySet<string>;
  keys: ReadonlySet<string>;
  tags: readonly string[];
}

/**
 * Add the pages of the given shards (or all) to `m.pages`; of the shards in `only.ids`, only the
 * entries it names (the shard joins `partial`). A shard file replaced by a concurrent writer
 * after `m`'s head was read is gone: the head is read again and the load retried.
 */
export function loadShards(m: Manifest, file: string, root: string, ids: Iterable<string> | 'all', only?: EntriesOnly, attempt = 0): void {
  const table = m.shards;
  if (!table || table.loaded === 'all') return;
  const loaded = table.loaded;
  const wanted = ids === 'all' ? Object.keys(table.info) : [...new Set(ids)].filter((id) => table.info[id] && !loaded.has(id));
  const keysOf = only && keysByShard(only.keys, table.bits);
  const tagHashes = only?.tags.map((t) => [t, hashTag(t)] as const);
  try {
    for (const id of wanted) {
      if (table.partial?.has(id)) {
        completeShard(m, id, file, root);
        continue;
      }
      if (only?.ids.has(id)) {
        const bytes = readShardBytes(file, root, table.info[id]!.file);
        if (framed(bytes, id, MANIFEST_VERSION)) {
          // Only the lines that can hold a named page; a tag is looked for only in the shards whose
          // filter may hold it (scanning every shard for every tag costs more than parsing them).
          const has = readTagFilter(table.info[id]!.tags);
          const tags = tagHashes!.filter(([, h]) => has(h)).map(([t]) => t);
          addEntries(findEntriesChecked(bytes, id, keysOf!.get(id) ?? [], tags, file, root), id, table.bits, m.pages, file, root);
          (table.partial ??= new Set()).add(id);
          continue;
        }
        parseShard(bytes.toString('utf8'), id, table.bits, m.pages, file, root);
        loaded.add(id);
        continue;
      }
      parseShard(readShard(file, root, table.info[id]!.file), id, table.bits, m.pages, file, root);
      loaded.add(id);
    }
    if (ids === 'all') table.loaded = 'all';
  } catch (err) {
    if (!(err instanceof ShardGone)) throw err;
    // Another process published a new generation meanwhile: start over from its head (the
    // shards loaded so far may be older than it too).
    const fresh = attempt < 3 ? openManifest(file, root) : undefined;
    if (!fresh?.shards) throw err.toIsrError();
    const again = ids === 'all' ? 'all' : [...loaded, ...(table.partial?.keys() ?? []), ...wanted];
    Object.assign(m, fresh);
    loadShards(m, file, root, again, only, attempt + 1);
  }
}

/**
 * Read the rest of a shard loaded in part: its other pages join `m.pages`; the ones already
 * there stay (a run may have replaced them).
 */
export function completeShard(m: Manifest, id: string, file: string, root: string): void {
  const table = m.shards!;
  const all: Record<string, PageEntry> = {};
  parseShard(readShard(file, root, table.info[id]!.file), id, table.bits, all, file, root);
  for (const key in all) if (!(key in m.pages)) m.pages[key] = all[key]!;
  table.partial!.delete(id);
  if (table.loaded !== 'all') table.loaded.add(id);
}

function keysByShard(keys: ReadonlySet<string>, bits: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const id = shardOf(k, bits);
    const list = out.get(id);
    if (list) list.push(k);
    else out.set(id, [k]);
  }
  return out;
}

function findEntriesChecked(text: Buffer, id: string, keys: string[], tags: string[], file: string, root: string): [string, unknown][] {
  try {
    return findEntries(text, keys, tags);
  } catch (err) {
    throw new IsrError('MANIFEST_CORRUPT', `shard ${id} of the manifest is not valid JSON (${(err as Error).message})`, {
      file: path.relative(root, file),
      hint: wayOutOf(file, root),
    });
  }
}

/** The whole manifest (head and every shard), or `undefined` when there is none. */
export function readManifestSync(file: string, root: string): Manifest | undefined {
  const m = openManifest(file, root);
  if (m) loadShards(m, file, root, 'all');
  return m;
}

/** `readManifestSync` for callers that like a promise (reads are a few ms per shard, synchronous). */
export async function readManifest(file: string, root: string): Promise<Manifest | undefined> {
  return readManifestSync(file, root);
}

function readText(file: string, root: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, {
      file: path.relative(root, file),
      hint: 'check its permissions',
    });
  }
}

class ShardGone extends Error {
  constructor(
    readonly rel: string,
    readonly wayOut: string,
  ) {
    super(`shard file ${rel} is missing`);
  }
  toIsrError(): IsrError {
    return new IsrError('MANIFEST_CORRUPT', `a shard of the manifest is missing (${this.rel})`, { hint: this.wayOut });
  }
}

/**
 * A shard file's bytes in a buffer reused by every call: valid until the next call. Why: a run
 * reading in part the shards of edits spread over a site reads megabytes it parses a few lines
 * of; a fresh buffer per file cost ~0.5 ms each in page faults alone (a reused one, 0.03 ms).
 * Shard files never change once named by a head (a write makes new names), so a run holding the
 * lock can read one again when it writes it.
 */
export function readShardBytes(file: string, root: string, name: string): Buffer {
  const abs = path.join(shardDir(file), name);
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    throw shardReadError(err, file, root, abs);
  }
  try {
    let n = 0;
    for (;;) {
      if (n === scratch.length) scratch = Buffer.concat([scratch, Buffer.allocUnsafeSlow(scratch.length)]);
      const got = readSync(fd, scratch, n, scratch.length - n, null);
      if (got === 0) break; // end of file (a short read just goes round again)
      n += got;
    }
    return scratch.subarray(0, n);
  } catch (err) {
    throw shardReadError(err, file, root, abs);
  } finally {
    closeSync(fd);
  }
}
let scratch = Buffer.allocUnsafeSlow(1 << 20);

function shardReadError(err: unknown, file: string, root: string, abs: string): Error {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ShardGone(path.relative(root, abs), wayOutOf(file, root));
  return new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, { file: path.relative(root, abs), hint: 'check its permissions' });
}

function readShard(file: string, root: string, name: string): string {
  const abs = path.join(shardDir(file), name);
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ShardGone(path.relative(root, abs), wayOutOf(file, root));
    throw new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, {
      file: path.relative(root, abs),
      hint: 'check its permissions',
    });
  }
}

function wayOutOf(file: string, root: string): string {
  const rel = path.relative(root, file);
  return `delete ${rel} and ${path.relative(root, shardDir(file))}/ and run \`isr build\` to rebuild them (the output folder is kept)`;
}

function parseHead(text: string, file: string, root: string): Manifest {
  const rel = path.relative(root, file);
  const wayOut = wayOutOf(file, root);
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: rel, hint: wayOut });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(`the manifest is not valid JSON (${(err as Error).message})`);
  }
  const m = data as Partial<Omit<Manifest, 'shards'>> & { shardBits?: unknown; generation?: unknown; shards?: unknown };
  if (!m || typeof m !== 'object' || typeof m.version !== 'number') throw corrupt('this is not an isr manifest (no "version")');
  if (m.version !== MANIFEST_VERSION && m.version !== 1) {
    throw corrupt(`manifest version ${m.version} is not supported (this isr reads versions 1 and ${MANIFEST_VERSION})`);
  }
  if (!isRecord(m.routes) || !isRecord(m.templates) || typeof m.configHash !== 'string') {
    throw corrupt('the manifest is missing "routes", "templates" or "configHash"');
  }
  if (m.pendingRemovals !== undefined && (!Array.isArray(m.pendingRemovals) || !m.pendingRemovals.every(isSafeRelFile))) {
    throw corrupt('"pendingRemovals" must list files inside the output folder');
  }
  const base = {
    version: MANIFEST_VERSION,
    generator: String(m.generator ?? ''),
    updatedAt: Number(m.updatedAt ?? 0),
    configHash: m.configHash,
    templates: m.templates,
    routes: m.routes,
    ...(m.pendingRemovals?.length ? { pendingRemovals: m.pendingRemovals } : {}),
  };
  if (m.version === 1) {
    // One file with every page: all loaded; the next write splits it into shards.
    if (!isRecord(m.pages)) throw corrupt('the manifest is missing "pages"');
    for (const p in m.pages) checkEntry(p, m.pages[p], corrupt);
    return { ...base, pages: m.pages };
  }
  const { shards, shardBits: bits, generation } = m;
  if (!isRecord(shards) || typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 16 || typeof generation !== 'number') {
    throw corrupt('the manifest is missing "shards", "shardBits" or "generation"');
  }
  for (const id in shards) {
    const s = shards[id] as ShardInfo;
    const name = isRecord(s) && typeof s.file === 'string' ? SHARD_FILE.exec(s.file) : null;
    if (!name || name[1] !== id || !isRecord(s.routes) || typeof s.pages !== 'number') throw corrupt(`shard ${JSON.stringify(id)} is malformed`);
  }
  return { ...base, pages: {}, shards: { generation, bits, info: shards as Record<string, ShardInfo>, loaded: new Set() } };
}

function parseShard(text: string, id: string, bits: number, into: Record<string, PageEntry>, file: string, root: string): void {
  const rel = path.relative(root, file);
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: rel, hint: wayOutOf(file, root) });
  let data: { version?: unknown; shard?: unknown; pages?: unknown };
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(`shard ${id} of the manifest is not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(data) || data.shard !== id || !isRecord(data.pages)) throw corrupt(`shard ${id} of the manifest is malformed`);
  const pages = data.pages as Record<string, unknown>;
  // for-in, not Object.entries: no [key, value] array per page.
  for (const p in pages) {
    checkEntry(p, pages[p], corrupt);
    if (shardOf(p, bits) !== id) throw corrupt(`manifest entry for ${JSON.stringify(p)} is in the wrong shard (${id})`);
    into[p] = pages[p] as PageEntry;
  }
}

/** Entries read line by line, checked as `parseShard` checks them. */
function addEntries(entries: [string, unknown][], id: string, bits: number, into: Record<string, PageEntry>, file: string, root: string): void {
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: path.relative(root, file), hint: wayOutOf(file, root) });
  for (const [p, e] of entries) {
    checkEntry(p, e, corrupt);
    if (shardOf(p, bits) !== id) throw corrupt(`manifest entry for ${JSON.stringify(p)} is in the wrong shard (${id})`);
    into[p] = e as PageEntry;
  }
}

function checkEntry(p: string, e: unknown, corrupt: (msg: string) => IsrError): void {
  if (!isRecord(e) || typeof e.route !== 'string' || typeof e.builtAt !== 'number' || typeof e.status !== 'string') {
    throw corrupt(`manifest entry for ${JSON.stringify(p)} is malformed`);
  }
  // Paths and files flow back into file-system calls and into the change set given to onChange
  // and --exec (a purge or upload script): a tampered or foreign manifest must not name anything
  // outside the output folder.
  if (!isSafeUrlPath(p) || (e.file !== undefined && !isSafeRelFile(e.file))) {
    throw corrupt(`manifest entry for ${JSON.stringify(p)} points outside the output folder`);
  }
}

/** An outDir-relative, "/"-separated file that cannot leave outDir. */
function isSafeRelFile(f: unknown): boolean {
  return typeof f === 'string' && f.length > 0 && !f.startsWith('/') && !f.endsWith('/') && !UNSAFE_SEGMENT.test(f) && !f.includes('//');
}
/** A "." or ".." segment, a backslash or a NUL (one regex, no split: it runs for every entry read). */
const UNSAFE_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)|[\\\0]/;

/** A URL path as the planner makes them: absolute, no "." / ".." segments, no backslash or NUL. */
function isSafeUrlPath(p: string): boolean {
  return p.startsWith('/') && !UNSAFE_SEGMENT.test(p);
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
