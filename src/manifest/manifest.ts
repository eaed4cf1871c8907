/**
 * How the manifest is read: the head (`openManifest`), then only the shards a run needs
 * (`loadShards`), whole or the lines it names. Its shape is in model.ts (re-exported here), the
 * parsing and validation of the texts in parse.ts, writing in write-manifest.ts.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { readFdReused } from '../read-reused.js';
import { signatureOfStats } from '../store/precondition.js';
import type { HeadChange } from './head-change.js';
import { MANIFEST_VERSION, type Manifest, type PageEntry, shardDir } from './model.js';
import { addEntries, parseHead, parseShard, wayOutOf } from './parse.js';
import { findEntries, framed } from './shard-patch.js';
import { hashTag, readTagFilter, shardOf } from './shards.js';

export * from './model.js';

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

/** The `fileSignature` of stats already taken (`isr serve` stats without blocking): the
 * filesystem store's version of the file (store/precondition.ts). */
export { signatureOfStats };

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

/**
 * `openManifest` with the version of the very file it read (its store version, as `fileSignature`
 * gives): the version a run's new head must replace (`ifVersion`, the commit point); and the
 * change set the head records, if any (head-change.ts: what `isr serve` follows).
 */
export function openHead(file: string, root: string): { manifest: Manifest; version: string; change?: HeadChange } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(err, file, root);
  }
  try {
    const version = signatureOfStats(fstatSync(fd));
    const out: { change?: HeadChange } = {};
    const manifest = parseHead(readFileSync(fd, 'utf8'), file, root, out);
    return { manifest, version, ...(out.change ? { change: out.change } : {}) };
  } catch (err) {
    if (err instanceof IsrError) throw err;
    throw unreadable(err, file, root);
  } finally {
    closeSync(fd);
  }
}

function unreadable(err: unknown, file: string, root: string): IsrError {
  return new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, {
    file: path.relative(root, file),
    hint: 'check its permissions',
  });
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
 * A shard file's bytes in the buffer reused by every whole-file read (read-reused.ts): valid
 * until the next such read. Why: a run
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
    return readFdReused(fd);
  } catch (err) {
    throw shardReadError(err, file, root, abs);
  } finally {
    closeSync(fd);
  }
}

function shardReadError(err: unknown, file: string, root: string, abs: string): Error {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ShardGone(path.relative(root, abs), wayOutOf(file, root));
  return new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, {
    file: path.relative(root, abs),
    hint: 'check its permissions',
  });
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
