/**
 * Writing the manifest: stage the shards `prepareShards` decided (prepare-shards.ts) and the head
 * to temp files (`stageManifest`), publish with renames (or to an object store), then delete the
 * shard files the new head no longer names. Reading is in manifest.ts.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { IsrError, invariant, writeFailed } from '../errors.js';
import { yieldTurn } from '../time-slice.js';
import { type Durability, NOT_DURABLE } from '../write/durable.js';
import { type TempFile, writeTemp } from '../write/write-atomic.js';
import type { HeadChange } from './head-change.js';
import { MANIFEST_VERSION, type Manifest, type PageEntry, readShardBytes, type ShardTable, shardDir } from './manifest.js';
import { prepareShards, type ShardWrite, type WriteOptions } from './prepare-shards.js';
import { shardPrefix, spliceShard } from './shard-patch.js';
import { SHARD_FILE, type ShardInfo } from './shards.js';

/**
 * Write the manifest to temp files without publishing it: the rewritten shards under new names,
 * then the head that names them. A run stages it before renaming any page into place, so a full
 * disk is found while the site is still untouched. `publish` renames the shards, then the head
 * (the one rename that switches readers to the new manifest), then deletes the shard files the
 * new head no longer names. With `durable`, its temp files are flushed first (unless the caller
 * flushed `temps` already, with the pages), the shard folder (with `dirs`, the folders of the
 * pages just renamed) before the head's rename, and the head's folder after it (write/durable.ts).
 * `change`: the change set the head records (head-change.ts); none, and followers read it whole.
 */
export async function stageManifest(
  file: string,
  m: Manifest,
  w: ShardWrite,
  root = process.cwd(),
  change?: HeadChange,
): Promise<StagedManifest> {
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
      // What this write changed against the head it read, for followers (head-change.ts).
      ...(change ? { change } : {}),
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
  change?: HeadChange,
): Promise<string | undefined> {
  const staged = await stageManifest(file, m, prepareShards(m, o), undefined, change);
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
