/**
 * Following a manifest another process writes (a cron `isr regen`, an `isr build`): from the
 * snapshot held, the next one. The head records the change set of the run that wrote it
 * (head-change.ts); when that run read the very head held, exactly its delta is taken (the
 * shards it replaced are read, and its pages taken from them). Otherwise (a head was missed, the
 * change is `all`, an older isr wrote it, the split changed) the whole manifest is read again:
 * the one reload path. Synchronous from the head to the new snapshot.
 */
import { appliesTo, type HeadChange } from './head-change.js';
import { loadShards, type Manifest, openHead, type PageEntry } from './manifest.js';
import { shardOf } from './shards.js';
import { ManifestSnapshot, type PageChange } from './snapshot.js';

export interface Followed {
  next: ManifestSnapshot;
  /** The pages whose entry differs, before and after. */
  changed: PageChange[];
  /** Shards whose pages were read (their sitemap part may differ). */
  shards: string[];
  /** `delta`: the head's recorded change set was taken; `reload`: the manifest was read whole. */
  how: 'delta' | 'reload';
}

/**
 * The manifest on disk as a snapshot following `held`, or `undefined` when there is none (it was
 * deleted: the server keeps serving what it holds). Throws what reading it throws.
 */
export function followHead(held: ManifestSnapshot, file: string, root: string, o: { freeze?: boolean } = {}): Followed | undefined {
  const read = openHead(file, root);
  if (!read) return undefined;
  if (read.version === held.version) return { next: held, changed: [], shards: [], how: 'delta' };
  const delta = read.change && takeDelta(held, read.manifest, read.version, read.change, file, root);
  return delta ?? reloadWhole(held, file, root, o);
}

/** The recorded change set on top of `held`, or `undefined` when it does not apply to it. */
function takeDelta(
  held: ManifestSnapshot,
  head: Manifest,
  version: string,
  c: HeadChange,
  file: string,
  root: string,
): Followed | undefined {
  if (!appliesTo(c, held.version) || c.shards === 'all' || !held.sameSplit(head)) return undefined;
  const ids = c.shards;
  const bits = head.shards!.bits;
  const read = new Set(ids);
  // A listed page outside the listed shards: not a change set this isr wrote. Read it all.
  if (c.pages !== 'all' && c.pages.some((k) => !read.has(shardOf(k, bits)))) return undefined;
  const generation = head.shards!.generation;
  loadShards(head, file, root, ids);
  // A shard file was gone: another write came meanwhile, and `loadShards` went on from its head,
  // whose change set is not this one.
  if (head.shards!.generation !== generation) return undefined;
  if (c.pages === 'all') {
    const { next, changed } = held.withShards(head, ids, version);
    return { next, changed, shards: ids, how: 'delta' };
  }
  const changes: [string, PageEntry | undefined][] = c.pages.map((k) => [k, Object.hasOwn(head.pages, k) ? head.pages[k] : undefined]);
  const changed = changes.map(([key, after]) => ({ key, before: held.page(key), after }));
  return { next: held.withPages(head, version, changes), changed, shards: ids, how: 'delta' };
}

/** Every shard read again: the one reload path. */
function reloadWhole(held: ManifestSnapshot, file: string, root: string, o: { freeze?: boolean }): Followed | undefined {
  const read = readWhole(file, root);
  if (!read) return undefined;
  const next = ManifestSnapshot.of(read.manifest, read.version, o);
  const shards = new Set([...Object.keys(held.head.shards?.info ?? {}), ...Object.keys(read.manifest.shards?.info ?? {})]);
  return { next, changed: held.diff(read.manifest), shards: [...shards], how: 'reload' };
}

/** The whole manifest on disk as a snapshot (`isr serve` at start), or `undefined` when there is none. */
export function readSnapshot(file: string, root: string, o: { freeze?: boolean } = {}): ManifestSnapshot | undefined {
  const read = readWhole(file, root);
  return read && ManifestSnapshot.of(read.manifest, read.version, o);
}

/**
 * The head and every shard. Its version is the head's only when no write came while the shards
 * were read (else the pages are newer than that head: the version is left unknown, so the next
 * look at the disk reads the manifest again; never a version older than the pages).
 */
function readWhole(file: string, root: string): { manifest: Manifest; version: string | undefined } | undefined {
  const read = openHead(file, root);
  if (!read) return undefined;
  const m = read.manifest;
  const generation = m.shards?.generation;
  loadShards(m, file, root, 'all');
  return { manifest: m, version: m.shards?.generation === generation ? read.version : undefined };
}
