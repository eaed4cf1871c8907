/**
 * The one query by which a run gets the pages it needs: "these shards, whole or only these
 * entries". Where the answer comes from is the reader's business: the files (whole shards, or
 * the lines of the named entries: shard-patch.ts), or the manifest `isr serve` holds in memory.
 * The run asks the same question whichever reader it was given.
 */
import { type EntriesOnly, loadShards, type Manifest } from './manifest.js';
import { loadFromSnapshot, type ManifestSnapshot } from './snapshot.js';

export interface PageQuery {
  /** Shards whose pages join `Manifest.pages`: their ids, or all of them. */
  shards: Iterable<string> | 'all';
  /** Of `shards`, those for which the entries named here suffice (a reader may give more). */
  entriesOnly?: EntriesOnly;
}

/** Adds the queried pages to `m.pages` (and marks their shards loaded, or partial). */
export type PageReader = (m: Manifest, q: PageQuery) => void;

/**
 * Pages from the manifest's files. `byLines: false` reads every shard whole (the switch
 * `ISR_SHARD_PATCH=0` of the commands, for tests and for bisecting a doubt).
 */
export function fileReader(file: string, root: string, o: { byLines: boolean }): PageReader {
  return (m, q) => loadShards(m, file, root, q.shards, o.byLines ? q.entriesOnly : undefined);
}

/**
 * Pages from the snapshot `isr serve` holds, opened with `openFromSnapshot`: whole shards from
 * memory, no read or parse (entries are shared, never changed in place: a run replaces them). It
 * ignores `entriesOnly`: serve adopts whole shards after the run.
 */
export function heldReader(held: ManifestSnapshot): PageReader {
  return (m, q) => loadFromSnapshot(m, held, q.shards);
}
