/**
 * Stage four of a run, still invisible: the manifest's next write decided and staged (which
 * shards are rewritten, split or spliced by their lines), the site files derived from it and
 * staged beside the pages, and the deletions the publish will make listed in the manifest first.
 * Any failure up to here deletes every temp file: the published site is untouched.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { hash } from '../hash.js';
import type { Logger } from '../logger.js';
import { type HeadChange, recordChange } from '../manifest/head-change.js';
import { allLoaded, type Manifest, type PageEntry, type ShardTable } from '../manifest/manifest.js';
import { patchShards, prepareShardsSliced, type ShardWrite } from '../manifest/prepare-shards.js';
import { maxPagesPerShard, outgrownShards, type RouteFacts, shardOf, summarizeShard } from '../manifest/shards.js';
import { type StagedManifest, stageManifest } from '../manifest/write-manifest.js';
import { readReusedIfExists } from '../read-reused.js';
import { yieldTurn } from '../time-slice.js';
import { disabledSiteFiles, siteFiles, staleSiteFiles } from '../write/site-files.js';
import type { Stage } from '../write/stage.js';
import type { ExecutedRun } from './execute-run.js';
import type { OpenedRun } from './open-run.js';
import type { PlannedRun } from './plan-run.js';
import type { RunContext } from './run-types.js';

export interface PreparedPublish {
  /** The manifest staged to temp files (none when nothing needs writing). */
  staged?: StagedManifest;
  /** Files (outDir-relative) the publish deletes: removed pages and assets, stale site files. */
  removals: string[];
  /** Shards whose file the publish replaces (`all`: split anew). */
  shards: string[] | 'all';
  /** The change set the head records (manifest/head-change.ts). */
  change?: HeadChange;
}

export async function preparePublish(
  ctx: RunContext,
  run: OpenedRun,
  planned: PlannedRun,
  ex: ExecutedRun,
  stage: Stage,
): Promise<PreparedPublish> {
  const { config, o } = ctx;
  const { previous } = run;
  const { manifest, before, changed, result } = ex;
  const facts = routeFacts(config);
  const bits = manifest.shards?.bits ?? 0;
  // The shards this run rewrites: those of every page it rendered, failed or removed.
  const touched = [...result.rendered, ...result.failed.map((f) => f.path), ...planned.plan.remove.map((r) => r.path)];
  const dirty = await shardsOf(touched, bits);
  // Pages added on demand go to the shards their paths hash to, which this run holds; the split
  // is chosen only with every page at hand, so a shard they take past its bound makes the run
  // read the rest and split again (shards.ts maxPagesPerShard).
  const split = !!manifest.shards && outgrown(manifest, touched, before, o.logger, o.pagesPerShard);
  if (split && !allLoaded(manifest)) {
    await ctx.objects?.fetchShards(manifest, 'all');
    run.read(manifest, { shards: 'all' });
    // A shard read in part is completed by its file: what this run removed stays removed.
    for (const r of planned.plan.remove) delete manifest.pages[r.path];
  }
  await yieldTurn();
  // A shard's sitemap changes only when one of its pages changed what the sitemap shows (most
  // regenerations only move builtAt); a build or a config change looks at every one.
  const sameConfig = previous?.configHash === config.configHash;
  const sitemaps =
    o.mode === 'build' || !sameConfig
      ? 'all'
      : new Set(touched.filter((p) => sitemapChanged(before.get(p), manifest.pages[p])).map((p) => shardOf(p, bits)));
  const leftover = previous?.pendingRemovals ?? [];
  await yieldTurn();
  // Shards rewritten by splicing their changed lines (manifest/shard-patch.ts): those read in
  // part, and in a regen under the same config, those read whole with a few changes.
  const patched = patchShards(manifest, dirty, before, facts, {
    file: config.manifestFile,
    root: config.root,
    whole: o.mode === 'regen' && sameConfig && o.shardPatch !== false,
  });
  await yieldTurn();
  if (patched.size || previous?.shards?.partial)
    o.logger.debug(`manifest: ${patched.size} of ${dirty.size} rewritten shard(s) patched line by line`);
  const write = { dirty, routes: facts, patched, split, pagesPerShard: o.pagesPerShard };
  const shardWrite = changed || leftover.length ? await prepareShardsSliced(manifest, write) : undefined;
  // Derived files follow the manifest and the config (a route's revalidate is in `_headers`
  // even when no page bytes changed); they are compared with what is on disk, not rewritten.
  if (changed && shardWrite) {
    await stageSiteFiles(ctx, ex, shardWrite, shardWrite.table.bits === bits ? sitemaps : 'all', stage);
  }
  // Deletions are listed in the manifest before they happen, so a crash after it is published
  // leaves them to the next run instead of orphaned.
  const live = new Set<string | undefined>();
  for (const key in manifest.pages) live.add(manifest.pages[key]!.file);
  const removals = [...new Set(result.removed)].filter((f) => !live.has(f));
  if (!shardWrite) return { removals, shards: [] };
  manifest.pendingRemovals = [...new Set([...leftover, ...removals])];
  const resplit = !manifest.shards || shardWrite.table.bits !== bits;
  const shards = resplit ? 'all' : [...shardWrite.buckets.keys(), ...shardWrite.patched.keys()];
  const change = recordChange(run.headVersion, touched, shards);
  return { removals, shards, change, staged: await stageManifest(config.manifestFile, manifest, shardWrite, config.root, change) };
}

/** The shards of these paths (~20 ms at 20k pages with the split check: in slices). */
async function shardsOf(paths: readonly string[], bits: number): Promise<Set<string>> {
  const dirty = new Set<string>();
  for (let i = 0; i < paths.length; i++) {
    dirty.add(shardOf(paths[i]!, bits));
    if (i % 2048 === 2047) await yieldTurn();
  }
  await yieldTurn();
  return dirty;
}

/** sitemap.xml (and its per-shard parts), `_headers`, `_redirects`: staged when they differ from disk. */
async function stageSiteFiles(
  ctx: RunContext,
  ex: ExecutedRun,
  shardWrite: ShardWrite,
  sitemaps: 'all' | Set<string>,
  stage: Stage,
): Promise<void> {
  const { config, objects } = ctx;
  const { previousTable, result } = ex;
  // In an object store, a site file is compared with the store version of what was last uploaded
  // (the head's siteFiles: S3's ETag, the MD5 of the bytes, known before the put), which is also
  // what its next put is conditional on; a sitemap is made whole rather than edited in bytes the
  // run does not have. A store that cannot say a version in advance records a hash (never equal to
  // a version: its put takes the precondition-failed path, run/object-publish.ts#guardedPut).
  const read = (file: string) => (objects ? undefined : readReusedIfExists(path.join(config.outDir, file)));
  const site = ctx.store.site;
  const versionOf = (body: string | Buffer) => site.versionOf?.(body) ?? hash(body);
  const differs = objects
    ? (file: string, body: string | Buffer) => objects.siteFiles.get(file) !== versionOf(body)
    : (file: string, body: string | Buffer) => typeof body !== 'string' || readIfExists(path.join(config.outDir, file)) !== body;
  const files = siteFiles(config, shardWrite.table, shardWrite.buckets, sitemaps, { shards: shardWrite.patched, read });
  for (const [file, made] of files.write) {
    // A patched sitemap is made now, in the reused buffer: staged (written) before the next.
    const body = typeof made === 'function' ? made() : made;
    if (body === undefined) continue;
    if (differs(file, body)) {
      objects?.siteFiles.set(file, versionOf(body));
      await stage.stage(file, body);
      result.written.push(file);
    }
    await yieldTurn();
  }
  if (objects) {
    // Every site file uploaded that the site no longer has: stale, or turned off by the config.
    const gone = [...objects.siteFiles.keys()].filter((f) => !files.names.has(f));
    for (const f of gone) objects.siteFiles.delete(f);
    result.removed.push(...gone);
    // Recorded in the head the run commits (its deletion, if it fails, is retried as pendingRemovals).
    ex.manifest.siteFiles = Object.fromEntries([...objects.siteFiles].sort(([a], [b]) => (a < b ? -1 : 1)));
    return;
  }
  result.removed.push(...staleSiteFiles(config, previousTable, files.names));
  if (ex.previousConfigHash !== undefined && ex.previousConfigHash !== config.configHash) {
    result.removed.push(...disabledSiteFiles(config, previousTable, shardWrite.table, (f) => readIfExists(path.join(config.outDir, f))));
  }
}

/** A site file's text, or undefined when it does not exist yet. Synchronous: a webhook's run
 * compares two or three small files, and each async read was a thread-pool round trip. */
function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when the run's added pages take a shard past its bound (logged, with the cost). */
function outgrown(
  m: Manifest,
  touched: readonly string[],
  before: ReadonlyMap<string, PageEntry | undefined>,
  logger: Logger,
  target: number | undefined,
): boolean {
  const added = touched.filter((p) => !before.get(p) && m.pages[p]);
  if (added.length === 0) return false;
  const dropped = touched.filter((p) => before.get(p) && !m.pages[p]);
  const max = maxPagesPerShard(target);
  const ids = outgrownShards(m.shards!, added, dropped, max);
  if (ids.length) logger.debug(`manifest: shard ${ids.join(', ')} past ${max} pages: every shard read and the manifest split again`);
  return ids.length > 0;
}

/** True when a page's line in the sitemap can differ between two entries. */
function sitemapChanged(a: PageEntry | undefined, b: PageEntry | undefined): boolean {
  return (
    a?.file !== b?.file || a?.status !== b?.status || a?.changedAt !== b?.changedAt || a?.route !== b?.route || a?.onDemand !== b?.onDemand
  );
}

/** What the shard summaries need to know of each route. */
export function routeFacts(config: ResolvedConfig): Map<string, RouteFacts> {
  return new Map(config.routes.map((r) => [r.name, { revalidate: r.revalidate, sitemap: r.sitemap, sitemapOnDemand: r.sitemapOnDemand }]));
}

/** The shard table a manifest was written with; for a version 1 manifest (one file, all pages
 * loaded), the table of one shard it amounts to. */
export function tableOf(config: ResolvedConfig, m: Manifest): Pick<ShardTable, 'bits' | 'info'> {
  return m.shards ?? { bits: 0, info: { '0': { file: '', ...summarizeShard(new Map(Object.entries(m.pages)), routeFacts(config)) } } };
}
