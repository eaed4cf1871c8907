/**
 * A manifest a process keeps in memory (`isr serve`), handed to a run so it need not read and
 * parse the files the process already holds. Reading from disk is in manifest.ts.
 */
import { fileSignature, type Manifest } from './manifest.js';

/**
 * A whole manifest a process already holds in memory (`isr serve`), with the signature of the
 * head file it is exactly, and its page keys by shard. A run can start from it instead of reading
 * and parsing the files (a webhook's run spent about a millisecond on its one shard).
 */
export interface HeldManifest {
  manifest: Manifest;
  signature: string;
  keysOf(shardId: string): Iterable<string>;
}

/**
 * The head of a held manifest as a run's starting point (no pages loaded yet), or `undefined`
 * when the head on disk is not that one any more (another process wrote since): then the run
 * reads the files. Call it under the lock, so the disk cannot move on after the comparison. The
 * copy shares page entries with the holder; a run replaces entries, it never changes one.
 */
export function openHeld(held: HeldManifest, file: string): Manifest | undefined {
  const m = held.manifest;
  if (!m.shards || fileSignature(file) !== held.signature) return undefined;
  return { ...m, routes: { ...m.routes }, pages: {}, shards: { ...m.shards, info: { ...m.shards.info }, loaded: new Set() } };
}

/** `loadShards` for a manifest opened with `openHeld`: the pages come from memory. */
export function loadHeldShards(m: Manifest, held: HeldManifest, ids: Iterable<string> | 'all'): void {
  const table = m.shards;
  if (!table || table.loaded === 'all') return;
  const loaded = table.loaded;
  const from = held.manifest.pages;
  for (const id of ids === 'all' ? Object.keys(table.info) : ids) {
    if (!table.info[id] || loaded.has(id)) continue;
    for (const key of held.keysOf(id)) m.pages[key] = from[key]!;
    loaded.add(id);
  }
  if (ids === 'all') table.loaded = 'all';
}
