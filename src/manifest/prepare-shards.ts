/**
 * The shards of the next manifest write, decided before anything is written: the split, which
 * shards are rewritten whole and which are spliced from their old bytes (shard-patch.ts), and
 * each one's new summary for the head. Pure but for its invariants (and the reads of shards a
 * patch must complete). Apart from write-manifest.ts, which stages and publishes the result:
 * a run derives its site files from these summaries before it stages anything.
 */
import { invariant } from '../errors.js';
import { runStepsSliced } from '../time-slice.js';
import { allLoaded, completeShard, type Manifest, type PageEntry, readShardBytes, type ShardTable } from './manifest.js';
import { type EntryChange, patchSummary } from './shard-patch.js';
import { chooseBits, type RouteFacts, type ShardInfo, shardIds, shardOf, splitBits, summarizeShard } from './shards.js';

export interface WriteOptions {
  /** Shards whose pages changed in this run (each must be loaded or patched), or `all`. */
  dirty: ReadonlySet<string> | 'all';
  /** Route facts the shard summaries need (sitemap, `_headers`). */
  routes: ReadonlyMap<string, RouteFacts>;
  /** Shards rewritten by splicing (from `patchShards`). */
  patched?: ReadonlyMap<string, ShardPatch>;
  /** A shard outgrew `maxPagesPerShard` (every shard is loaded then): split by the largest
   * shard too (`splitBits`), not by the average only. */
  split?: boolean;
  /** Pages per shard aimed at (default `targetPagesPerShard()`; the commands' ISR_PAGES_PER_SHARD). */
  pagesPerShard?: number;
}

/** A shard rewritten from its old bytes and its changed pages (see shard-patch.ts). */
export interface ShardPatch {
  /** The shard file this run read it from (its lines are spliced when it is staged). */
  from: string;
  /** Its summary for the head (`file` is set by the writer). */
  info: Omit<ShardInfo, 'file'>;
  changes: EntryChange[];
  /** Every page of the new shard (reads and parses it whole: for a sitemap made afresh). */
  pages(): Map<string, PageEntry>;
}

/** The shards a write will produce: the new table and the pages of each shard it rewrites. */
export interface ShardWrite {
  table: ShardTable;
  /** Pages of every rewritten shard, by shard id (an empty map: the shard is gone). */
  buckets: Map<string, Map<string, PageEntry>>;
  /** Rewritten shards spliced from their old file and their changed pages (not in `buckets`). */
  patched: ReadonlyMap<string, ShardPatch>;
}

/**
 * Shards to rewrite by splicing (see shard-patch.ts), with their summaries patched from their
 * changed pages (`before`: every page the run planned, with its entry before the run):
 * - every dirty shard the run read only in part; when its patch cannot be exact (a page added
 *   or removed, a bound only a full scan gives) the rest of it is read now and it is written
 *   whole;
 * - with `whole`, also a dirty shard read whole with at most `MAX_SPLICED` changed pages (an
 *   `isr serve` webhook): the summary and serialization of its every page cost more than a few
 *   lines. Declined, it is written whole as before (a page rendered because it was due held the
 *   shard's earliest due time, so a cron regen's shards mostly are). Only for a regen under an
 *   unchanged config, whose site files follow from the pages' changes alone.
 */
export function patchShards(
  m: Manifest,
  dirty: ReadonlySet<string>,
  before: ReadonlyMap<string, PageEntry | undefined>,
  routes: ReadonlyMap<string, RouteFacts>,
  o: { file: string; root: string; whole: boolean },
): Map<string, ShardPatch> {
  const out = new Map<string, ShardPatch>();
  const table = m.shards;
  if (!table || (!table.partial?.size && !o.whole)) return out;
  // Shards read whole are patched only with few changes each: a run that changed more pages than
  // all its dirty shards could take (a 20k-page webhook) writes them whole, without first sorting
  // every change into its shard (~20 ms of `isr serve`'s thread). Whole or patched, the bytes are
  // the same.
  if (!table.partial?.size && before.size > MAX_SPLICED * dirty.size) return out;
  const candidate = (id: string) => table.partial?.has(id) || (o.whole && table.info[id] !== undefined);
  const changesOf = new Map<string, (EntryChange | undefined)[]>();
  for (const [key, was] of before) {
    const id = shardOf(key, table.bits);
    if (!candidate(id)) continue;
    const now = m.pages[key];
    if (was === now) continue;
    const list = changesOf.get(id) ?? [];
    list.push(was && now ? { key, before: was, after: now } : undefined);
    changesOf.set(id, list);
  }
  for (const id of dirty) {
    if (!candidate(id)) continue;
    const partial = table.partial?.has(id);
    const changes = changesOf.get(id) ?? [];
    if (!partial && changes.length > MAX_SPLICED) continue;
    const exact = changes.every((c) => c !== undefined) ? (changes as EntryChange[]) : undefined;
    const info = exact && patchSummary(table.info[id]!, exact, routes);
    if (!info) {
      if (partial) completeShard(m, id, o.file, o.root);
      continue;
    }
    const from = table.info[id]!.file;
    out.set(id, { from, info, changes: exact, pages: () => wholeShard(o.file, o.root, from, exact) });
  }
  return out;
}

/** Changed pages up to which a shard read whole is still patched (each is a search of its bytes). */
const MAX_SPLICED = 8;

/** A shard's pages as its old file and the changes make them. */
function wholeShard(file: string, root: string, from: string, changes: readonly EntryChange[]): Map<string, PageEntry> {
  const { pages } = JSON.parse(readShardBytes(file, root, from).toString('utf8')) as { pages: Record<string, PageEntry> };
  const out = new Map(Object.entries(pages));
  for (const c of changes) out.set(c.key, c.after);
  return out;
}

/**
 * Decide the shards of the next write, without writing: the split, which shards are rewritten
 * and their new summaries (the site files are derived from them before anything is staged).
 */
export function prepareShards(m: Manifest, o: WriteOptions): ShardWrite {
  const steps = prepareSteps(m, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `prepareShards` giving the event loop a turn between shards once a slice is used up
 * (time-slice.ts): summarising the 64 shards of a 20k-page site was ~90 ms in one piece, during
 * which `isr serve` answered nothing.
 */
export async function prepareShardsSliced(m: Manifest, o: WriteOptions): Promise<ShardWrite> {
  return runStepsSliced(prepareSteps(m, o));
}

/** The work of `prepareShards`, pausing (`yield`) after each shard it summarises. */
function* prepareSteps(m: Manifest, o: WriteOptions): Generator<void, ShardWrite> {
  const prev = m.shards;
  const everything = allLoaded(m);
  invariant(o.dirty !== 'all' || everything, 'all shards dirty but not all loaded');
  // The split can change only when every page is at hand (a build, a listing, a shard that
  // outgrew its bound, for which run-site.ts loads every shard and which is split however the
  // average stands): re-splitting rewrites every shard.
  invariant(!o.split || everything, 'split asked for but not all shards loaded');
  const bits = !everything
    ? prev!.bits
    : o.split
      ? splitBits(Object.keys(m.pages), prev?.bits, o.pagesPerShard)
      : chooseBits(Object.keys(m.pages).length, prev?.bits, o.pagesPerShard);
  const resplit = !prev || bits !== prev.bits;
  const dirty = resplit || o.dirty === 'all' ? new Set(shardIds(bits)) : new Set(o.dirty);
  // A new split rewrites every shard whole (all are loaded then).
  const patched = new Map(resplit ? [] : [...(o.patched ?? [])].filter(([id]) => dirty.has(id)));
  if (!everything)
    for (const id of dirty)
      invariant((prev!.loaded as Set<string>).has(id) || patched.has(id) || !prev!.info[id], `shard ${id} written but not loaded`);
  const generation = (prev?.generation ?? 0) + 1;
  const buckets = new Map<string, Map<string, PageEntry>>();
  for (const id of dirty) if (!patched.has(id)) buckets.set(id, new Map());
  for (const key in m.pages) buckets.get(shardOf(key, bits))?.set(key, m.pages[key]!);
  yield;
  const info: Record<string, ShardInfo> = resplit ? {} : { ...prev!.info };
  for (const [id, pages] of buckets) {
    if (pages.size === 0) delete info[id];
    else info[id] = { file: `${id}.${generation}.json`, ...summarizeShard(pages, o.routes) };
    yield;
  }
  for (const [id, p] of patched) info[id] = { file: `${id}.${generation}.json`, ...p.info };
  // A shard read in part stays out of `loaded`: only some of its pages are in memory.
  const loaded = everything ? 'all' : new Set([...(prev!.loaded as Set<string>), ...[...dirty].filter((id) => !prev!.partial?.has(id))]);
  return { table: { generation, bits, info: ordered(info), loaded }, buckets, patched };
}

function ordered(info: Record<string, ShardInfo>): Record<string, ShardInfo> {
  const out: Record<string, ShardInfo> = {};
  for (const id of Object.keys(info).sort()) out[id] = info[id]!;
  return out;
}
