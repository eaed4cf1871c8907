/**
 * Writing the manifest: decide the shards of the next write (`prepareShards`, pure but for the
 * invariants), stage them and the head to temp files (`stageManifest`), publish with renames,
 * then delete the shard files the new head no longer names. Reading is in manifest.ts.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { IsrError, invariant, writeFailed } from '../errors.js';
import { runStepsSliced, yieldTurn } from '../time-slice.js';
import { type Durability, NOT_DURABLE } from '../write/durable.js';
import { type TempFile, writeTemp } from '../write/write-atomic.js';
import {
  allLoaded,
  completeShard,
  MANIFEST_VERSION,
  type Manifest,
  type PageEntry,
  readShardBytes,
  type ShardTable,
  shardDir,
} from './manifest.js';
import { type EntryChange, patchSummary, shardPrefix, spliceShard } from './shard-patch.js';
import { chooseBits, type RouteFacts, SHARD_FILE, type ShardInfo, shardIds, shardOf, splitBits, summarizeShard } from './shards.js';

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

/**
 * Write the manifest to temp files without publishing it: the rewritten shards under new names,
 * then the head that names them. A run stages it before renaming any page into place, so a full
 * disk is found while the site is still untouched. `publish` renames the shards, then the head
 * (the one rename that switches readers to the new manifest), then deletes the shard files the
 * new head no longer names. With `durable`, its temp files are flushed first (unless the caller
 * flushed `temps` already, with the pages), the shard folder (with `dirs`, the folders of the
 * pages just renamed) before the head's rename, and the head's folder after it (write/durable.ts).
 */
export async function stageManifest(file: string, m: Manifest, w: ShardWrite, root = process.cwd()): Promise<StagedManifest> {
  const dir = shardDir(file);
  const staged: TempFile[] = [];
  // The file name of each staged shard, in staging order (an object store puts them by name).
  const names: string[] = [];
  const discard = async () => {
    await Promise.all(staged.map((t) => t.discard()));
  };
  try {
    for (const [id, pages] of w.buckets) {
      if (pages.size) {
        staged.push(await writeTemp(path.join(dir, w.table.info[id]!.file), shardText(id, pages)));
        names.push(w.table.info[id]!.file);
      }
      await yieldTurn(); // a shard is ~1 ms: `isr serve` answers requests between them (time-slice.ts)
    }
    for (const [id, p] of w.patched) {
      // The old file's lines around the changed ones, written straight from the read buffer.
      const parts = spliceShard(readShardBytes(file, root, p.from), p.changes);
      invariant(parts !== undefined, `shard ${id}: a changed page's line is gone from ${p.from}`);
      staged.push(await writeTemp(path.join(dir, w.table.info[id]!.file), parts));
      names.push(w.table.info[id]!.file);
    }
    const head = {
      version: MANIFEST_VERSION,
      generator: m.generator,
      updatedAt: m.updatedAt,
      configHash: m.configHash,
      ...(m.pendingRemovals?.length ? { pendingRemovals: m.pendingRemovals } : {}),
      ...(m.siteFiles ? { siteFiles: m.siteFiles } : {}),
      templates: m.templates,
      routes: m.routes,
      generation: w.table.generation,
      shardBits: w.table.bits,
    };
    staged.push(await writeTemp(file, headText(head, w.table.info)));
  } catch (err) {
    await discard();
    throw writeFailed('the manifest', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), file));
  }
  return {
    temps: staged.map((t) => t.tmp),
    async publish(durable = NOT_DURABLE, flushed = false, dirs: readonly string[] = [], commitHead?: CommitHead) {
      if (!flushed) await durable.flush(staged.map((t) => t.tmp));
      // Shards first (new names nobody reads yet), then the head: a crash in between leaves the
      // old head naming the old shards, all still there.
      const shards = staged.slice(0, -1);
      const head = staged[staged.length - 1]!;
      for (const t of shards) {
        await t.publish();
        await yieldTurn();
      }
      await durable.flush(shards.length ? [...dirs, dir] : dirs);
      let version: string | undefined;
      if (commitHead) version = await commitHead(head.tmp);
      else {
        await head.publish();
        await durable.flush([path.dirname(file)]);
      }
      const previous = m.shards;
      m.shards = w.table;
      await removeSuperseded(dir, previous, w.table);
      return version;
    },
    async publishTo(putShard, commitHead) {
      // The same order as `publish`: shards under new names nobody reads yet, then the head.
      const head = staged[staged.length - 1]!;
      for (let i = 0; i < names.length; i++) await putShard(staged[i]!.tmp, names[i]!);
      const version = await commitHead(head.tmp);
      const previous = m.shards;
      m.shards = w.table;
      const named = new Set(Object.values(w.table.info).map((s) => s.file));
      const superseded = Object.values(previous?.info ?? {})
        .map((s) => s.file)
        .filter((f) => !named.has(f));
      return { version, superseded };
    },
    discard,
  };
}

/**
 * The head as JSON: its fields indented, then `shards` with one line per shard (a run's diff of
 * the head is the lines of the shards it rewrote). Each summary is serialized once per object and
 * kept: a run rewrites a few shards and the others' summaries are the very objects it read or
 * adopted, so a webhook of `isr serve` formats only what changed (at 20k pages the whole head
 * took ~0.08 ms of each, its changed lines ~0.01). Sound because a summary is never changed in
 * place once made: `prepareShards` makes new ones and `patchSummary` clones.
 */
function headText(fields: object, shards: Readonly<Record<string, ShardInfo>>): string {
  const lines: string[] = [];
  for (const id in shards) {
    const info = shards[id]!;
    let text = SUMMARY_TEXT.get(info);
    if (text === undefined) SUMMARY_TEXT.set(info, (text = JSON.stringify(info)));
    lines.push(`  ${JSON.stringify(id)}: ${text}`);
  }
  const body = JSON.stringify(fields, null, 1);
  return `${body.slice(0, -2)},\n "shards": {${lines.length ? `\n${lines.join(',\n')}\n }` : '}'}\n}\n`;
}
const SUMMARY_TEXT = new WeakMap<ShardInfo, string>();

function ordered(info: Record<string, ShardInfo>): Record<string, ShardInfo> {
  const out: Record<string, ShardInfo> = {};
  for (const id of Object.keys(info).sort()) out[id] = info[id]!;
  return out;
}

/**
 * Puts the staged head (its temp file) in place and resolves to its new version: the run's
 * commit point, a store write under the precondition that the head is still the one the run
 * read (store/store.ts). It flushes the head's folder itself.
 */
export type CommitHead = (tmp: string) => Promise<string>;

/** A manifest written to temp files (`temps`), not yet published. */
export interface StagedManifest {
  readonly temps: readonly string[];
  /**
   * `flushed`: the caller flushed `temps` already; `dirs`: folders to flush before the head's
   * rename; `commitHead`: how the head is put in place (default: a rename, then a flush of its
   * folder). Resolves to the head's new version when `commitHead` gave one.
   */
  publish(durable?: Durability, flushed?: boolean, dirs?: readonly string[], commitHead?: CommitHead): Promise<string | undefined>;
  /**
   * To an object store: each staged shard given to `putShard` (its temp file and its file name in
   * the shard folder), then the head to `commitHead`. Resolves to the head's version and the shard
   * files the previous head named that the new one does not (to delete after the commit).
   */
  publishTo(
    putShard: (tmp: string, name: string) => Promise<void>,
    commitHead: CommitHead,
  ): Promise<{ version: string; superseded: string[] }>;
  discard(): Promise<void>;
}

/** Published: the manifest on disk is the new one (its head put by `commitHead` when given). */
export async function writeManifest(
  file: string,
  m: Manifest,
  o: WriteOptions,
  durable: Durability = NOT_DURABLE,
  commitHead?: CommitHead,
): Promise<string | undefined> {
  const staged = await stageManifest(file, m, prepareShards(m, o));
  try {
    return await staged.publish(durable, false, [], commitHead);
  } catch (err) {
    if (err instanceof IsrError && err.code === 'PRECONDITION_FAILED') throw err;
    throw writeFailed('the manifest', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), file));
  }
}

/**
 * Delete the shard files the new head no longer names: the ones this write replaced, or after a
 * new split or a crashed run (whose renamed shards no head names), every such file in the folder.
 * Best effort: a reader holding the old head retries from the new one; a file left behind goes
 * with a later write.
 */
async function removeSuperseded(dir: string, previous: ShardTable | undefined, next: ShardTable): Promise<void> {
  const named = new Set(Object.values(next.info).map((s) => s.file));
  let names: string[];
  if (previous && previous.bits === next.bits && previous.generation === next.generation - 1) {
    names = Object.values(previous.info).map((s) => s.file);
  } else {
    try {
      names = readdirSync(dir).filter((n) => SHARD_FILE.test(n));
    } catch {
      return;
    }
  }
  for (const n of names) {
    if (named.has(n)) continue;
    try {
      // unlink, not rmSync: shard files are plain files, and rmSync's lstat and retry logic
      // cost ~0.05 ms per webhook of `isr serve`. Gone already (ENOENT) is fine.
      unlinkSync(path.join(dir, n));
    } catch {}
  }
}

/** One shard as JSON, one line per page sorted by path: stable across runs, readable, diffable. */
export function shardText(id: string, pages: ReadonlyMap<string, PageEntry>): string {
  // One plain loop and one join: a shard is ~130 KB at most, and this runs in every webhook of
  // `isr serve`, where a generator's resumptions stayed slow (interpreted) for the first dozens.
  const keys = [...pages.keys()].sort();
  const lines: string[] = new Array(keys.length);
  for (let j = 0; j < keys.length; j++) lines[j] = `${JSON.stringify(keys[j])}: ${JSON.stringify(pages.get(keys[j]!))}`;
  return `${shardPrefix(id, MANIFEST_VERSION)}${lines.join(',\n')}\n}}\n`;
}
