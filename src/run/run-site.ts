import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError, isrError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type HeldManifest, loadHeldShards, openHeld } from '../manifest/held.js';
import { acquireLock } from '../manifest/lock.js';
import {
  allLoaded,
  emptyManifest,
  fileSignature,
  loadShards,
  type Manifest,
  openManifest,
  type PageEntry,
  type ShardTable,
} from '../manifest/manifest.js';
import { maxPagesPerShard, outgrownShards, type RouteFacts, shardOf, summarizeShard } from '../manifest/shards.js';
import { patchShards, prepareShardsSliced, type StagedManifest, stageManifest, writeManifest } from '../manifest/write-manifest.js';
import { type Plan, type PlanOptions, planListings, planSteps } from '../plan/plan-regen.js';
import { shardsToLoad } from '../plan/shards-to-load.js';
import { readReusedIfExists } from '../read-reused.js';
import { Renderer } from '../render/renderer.js';
import { listRoutes, planRoutes } from '../routes/list-paths.js';
import { SourceSet } from '../sources/source-set.js';
import { runStepsSliced, yieldTurn } from '../time-slice.js';
import { VERSION } from '../version.js';
import { type Durability, fsyncDurability } from '../write/durable.js';
import { listResources } from '../write/page-resources.js';
import { readPublicRecord, recordedAssets, sameRecord, scanAssets, stageAssets, writePublicRecord } from '../write/public-assets.js';
import { removeFiles, sweepTempFiles } from '../write/remove-files.js';
import { disabledSiteFiles, siteFiles, staleSiteFiles } from '../write/site-files.js';
import { freshStageDir, Stage } from '../write/stage.js';
import { detectChanges } from './detect-changes.js';
import { type ExecuteResult, executePlan } from './execute-plan.js';
import { onInterrupt } from './interrupt.js';

export interface RunOptions extends PlanOptions {
  dryRun?: boolean;
  /** Seconds to wait for another run's lock. */
  waitSeconds?: number;
  now: number;
  logger: Logger;
  /** Which command holds the lock (shown to a run that finds it taken). */
  command: string;
  /** The manifest the caller holds in memory (`isr serve`): used when the disk still has it. */
  held?: HeldManifest;
  /**
   * Ask the sources' `changes` hooks what changed since the last published run (plan reason
   * `changed`): `isr build` and `isr regen` (unless `--no-detect`); not `isr serve`, whose
   * runs render what they are asked for (`--watch` has its watcher).
   */
  detect?: boolean;
  /** How the publish reaches the disk (default: fsync, write/durable.ts); tests pass a recorder. */
  durability?: Durability;
}

export interface RunResult extends ExecuteResult {
  plan: Plan;
  /** Route listings that failed (their pages were kept). */
  listingErrors: { route: string; error: string }[];
  /** The manifest as written (or as read, for a dry run / no-op). */
  manifest: Manifest;
  /** `fileSignature` of the manifest head this run wrote (none if it wrote none). */
  manifestSignature?: string;
  durationMs: number;
}

/**
 * One build or regen, start to finish: lock → manifest → templates → listings → plan → load,
 * render, stage → site files → publish (renames) → manifest → deletions → unlock. `isr build`,
 * `isr regen` and every regeneration of `isr serve` go through here.
 */
export async function runSite(config: ResolvedConfig, o: RunOptions): Promise<RunResult> {
  const started = performance.now();
  // Refused before the lock, whose folder would otherwise be left behind in a site never built.
  // (Checked again under the lock: a build may be writing the first manifest right now.)
  if (o.mode === 'regen' && !existsSync(config.manifestFile)) throw manifestMissing(config);
  const lock = o.dryRun ? undefined : await acquireLock(config.stateDir, { waitSeconds: o.waitSeconds, command: o.command });
  const sources = new SourceSet(config, o.logger, () => o.now);
  let forgetStaged: (() => void) | undefined;
  try {
    if (lock?.recovered) await sweepTempFiles([config.outDir, config.stateDir], o.logger);
    // The head only: pages stay on disk until the run knows which shards it needs.
    const fromMemory = o.held && openHeld(o.held, config.manifestFile);
    const previous = fromMemory || openManifest(config.manifestFile, config.root);
    if (!previous && o.mode === 'regen') throw manifestMissing(config);
    const renderer = await Renderer.create(config);
    const routes = planRoutes(config);
    // public/ first: `asset()` hashes are part of the template closures compared below.
    const record = readPublicRecord(config.stateDir);
    // Named-only runs (isr serve's webhooks, fallbacks, stale pages) take the recorded hashes, and
    // scan only when there is no record (a site with no assets: one failed lookup of the folder).
    const fromRecord = o.onlyNamed && Object.keys(record).length > 0;
    const assets = fromRecord ? recordedAssets(record) : scanAssets(config.publicDir, config.outDir, record, listResources(config));
    const recordStale = !fromRecord && !sameRecord(record, assets.assets);
    const saveRecord = () => {
      try {
        writePublicRecord(config.stateDir, assets.assets);
      } catch (err) {
        o.logger.warn(`cannot record the public folder's hashes: ${describeError(err)} (the next run hashes them again)`);
      }
    };
    renderer.useAssets(assets.assets);

    // Deps recorded by earlier runs count for templates whose own text has not changed; a
    // changed template re-renders its pages anyway, which records its deps afresh.
    for (const [t, entry] of Object.entries(previous?.templates ?? {})) {
      if (renderer.fileHashes.get(t) === entry.hash) for (const d of entry.deps) renderer.depsOf(t).add(d);
    }
    const templateHashes = new Map(config.routes.map((r) => [r.template, renderer.closureHash(r.template)]));
    // Under the lock: two overlapping runs must not both take the same changes for theirs.
    const detected = o.detect ? await detectChanges(config, sources, o) : undefined;
    const plan0 = detected?.tags.length ? { ...o, changedTags: detected.tags } : o;
    if (previous) {
      // Load the shards that can hold a page to render or remove; a regen from cron with nothing
      // due loads none (see plan/shards-to-load.ts).
      const need = shardsToLoad({ manifest: previous, routes, templateHashes, configHash: config.configHash, options: plan0, now: o.now });
      if (need.nothingDue && !assets.write.size && !assets.removed.length) {
        if (recordStale && !o.dryRun) saveRecord();
        if (!o.dryRun) detected?.commit();
        return nothingDueResult(config, previous, started);
      }
      if (fromMemory) loadHeldShards(previous, o.held!, need.shards);
      // Shards needed only for named pages are read line by line (manifest/shard-patch.ts), but
      // not for `isr serve` (o.held), which adopts whole shards into the manifest it holds.
      // ISR_SHARD_PATCH=0 reads them whole (a switch for tests and for bisecting a doubt).
      else
        loadShards(
          previous,
          config.manifestFile,
          config.root,
          need.shards,
          o.held || process.env.ISR_SHARD_PATCH === '0' ? undefined : need.entriesOnly,
        );
    }
    // Between the steps of a large run, each tens of ms at 20k pages: see time-slice.ts.
    await yieldTurn();

    const toList = planListings(previous, routes, plan0, config.configHash, o.now);
    const { listings, tags: listingTags, failed: listingFailed } = await listRoutes(config, toList, sources, o.now);
    const plan = await runStepsSliced(
      planSteps({ manifest: previous, routes, listings, templateHashes, configHash: config.configHash, options: plan0, now: o.now }),
    );
    const listingErrors = [...listingFailed].map(([route, error]) => ({ route, error }));
    await yieldTurn();
    const base = { plan, listingErrors, durationMs: 0 };
    if (o.dryRun) {
      return { ...base, ...emptyResult(), manifest: previous ?? emptyManifest(), durationMs: performance.now() - started };
    }

    // The run updates the loaded pages in place: copying them (a whole site's worth for --tag or a
    // listing) cost more than a small regen's work. What it may replace is kept for comparison.
    const before = new Map<string, PageEntry | undefined>();
    for (const p of [...plan.render, ...plan.remove]) before.set(p.path, previous?.pages[p.path]);
    const manifest: Manifest = previous ? { ...previous, routes: { ...previous.routes } } : emptyManifest();
    const previousTable = previous && tableOf(config, previous);
    // A first build stages the whole output folder and renames it into place (write/stage.ts).
    const stage = new Stage(config.outDir, o.mode === 'build' ? freshStageDir(config.outDir, config.stateDir) : undefined);
    // On demand: a named page that no fresh listing gives and that did not exist. Naming an
    // existing, listed page (`--path` from a CMS webhook) must not exempt it from later listings,
    // or it would never be removed when its entry is deleted.
    const listedPaths = new Set([...listings.values()].flatMap((refs) => refs.map((r) => r.path)));
    const onDemand = new Set(
      plan.render.filter((p) => p.reasons.includes('path') && !previous?.pages[p.path] && !listedPaths.has(p.path)).map((p) => p.path),
    );
    await yieldTurn();
    let result: ExecuteResult;
    let stagedManifest: StagedManifest | undefined;
    const facts = routeFacts(config);
    let removals: string[] = [];
    // Their time is shown with --debug: the cost of durability on this disk.
    const flushed = { n: 0, ms: 0 };
    const durable =
      o.durability ??
      fsyncDurability([config.outDir, path.dirname(config.outDir), config.stateDir], (ms) => {
        flushed.n += 1;
        flushed.ms += ms;
      });
    // A signal deletes what this run staged (synchronous calls inside; see run/interrupt.ts).
    forgetStaged = onInterrupt(() => {
      void stage.abort();
      void stagedManifest?.discard();
    });
    // Phase one: every byte of the run goes to temp files (pages, site files, the manifest). Any
    // failure here (bad input, a full disk) deletes them all: the published site is untouched.
    try {
      result = await executePlan({ config, renderer, sources, stage, manifest, now: o.now, logger: o.logger, onDemand }, plan.render);

      for (const r of plan.remove) {
        delete manifest.pages[r.path];
        if (r.file) result.removed.push(r.file);
      }
      stageAssets(config, assets, manifest, stage, result);
      for (const name of listings.keys()) {
        const route = config.routes.find((r) => r.name === name)!;
        if (route.pattern.names.length === 0) continue;
        manifest.routes[name] = {
          listedAt: o.now,
          listRevalidate: route.listRevalidate,
          ...(listingTags.get(name)?.length ? { tags: listingTags.get(name) } : {}),
        };
      }
      for (const [name, error] of listingFailed)
        manifest.routes[name] = { ...(manifest.routes[name] ?? { listedAt: 0, listRevalidate: false }), error };
      for (const name of Object.keys(manifest.routes)) if (!config.routes.some((r) => r.name === name)) delete manifest.routes[name];

      // A re-run listing counts too: its listedAt (and a cleared error) must be recorded, or the
      // route would be listed again on every run.
      const relisted = [...listings.keys()].some((name) => config.routes.find((r) => r.name === name)!.pattern.names.length > 0);
      const changed =
        result.rendered.length > 0 ||
        plan.remove.length > 0 ||
        result.failed.length > 0 ||
        listingErrors.length > 0 ||
        relisted ||
        !previous;
      if (changed) {
        manifest.templates = renderer.templateEntries(new Set(config.routes.map((r) => r.template)));
        manifest.configHash = config.configHash;
        manifest.generator = `isr ${VERSION}`;
        manifest.updatedAt = o.now;
      }
      await yieldTurn();
      // The shards this run rewrites: those of every page it rendered, failed or removed.
      const bits = manifest.shards?.bits ?? 0;
      const touched = [...result.rendered, ...result.failed.map((f) => f.path), ...plan.remove.map((r) => r.path)];
      const dirty = new Set<string>();
      for (let i = 0; i < touched.length; i++) {
        dirty.add(shardOf(touched[i]!, bits));
        if (i % 2048 === 2047) await yieldTurn(); // with the split check below, ~20 ms at 20k pages
      }
      await yieldTurn();
      // Pages added on demand go to the shards their paths hash to, which this run holds; the
      // split is chosen only with every page at hand, so a shard they take past its bound makes
      // the run read the rest and split again (shards.ts maxPagesPerShard).
      const split = !!manifest.shards && outgrown(manifest, touched, before, o.logger);
      if (split && !allLoaded(manifest)) {
        if (fromMemory) loadHeldShards(manifest, o.held!, 'all');
        else loadShards(manifest, config.manifestFile, config.root, 'all');
        // A shard read in part is completed by its file: what this run removed stays removed.
        for (const r of plan.remove) delete manifest.pages[r.path];
      }
      await yieldTurn();
      // A shard's sitemap changes only when one of its pages changed what the sitemap shows (most
      // regenerations only move builtAt); a build or a config change looks at every one.
      const sitemaps =
        o.mode === 'build' || previous?.configHash !== config.configHash
          ? 'all'
          : new Set(touched.filter((p) => sitemapChanged(before.get(p), manifest.pages[p])).map((p) => shardOf(p, bits)));
      const leftover = previous?.pendingRemovals ?? [];
      await yieldTurn();
      // Shards rewritten by splicing their changed lines (manifest/shard-patch.ts): those read in
      // part, and in a regen under the same config, those read whole with a few changes.
      const patched = patchShards(manifest, dirty, before, facts, {
        file: config.manifestFile,
        root: config.root,
        whole: o.mode === 'regen' && previous?.configHash === config.configHash && process.env.ISR_SHARD_PATCH !== '0',
      });
      await yieldTurn();
      if (patched.size || previous?.shards?.partial)
        o.logger.debug(`manifest: ${patched.size} of ${dirty.size} rewritten shard(s) patched line by line`);
      const shardWrite =
        changed || leftover.length ? await prepareShardsSliced(manifest, { dirty, routes: facts, patched, split }) : undefined;
      // Derived files follow the manifest and the config (a route's revalidate is in `_headers`
      // even when no page bytes changed); they are compared with what is on disk, not rewritten.
      if (changed && shardWrite) {
        const read = (file: string) => readReusedIfExists(path.join(config.outDir, file));
        const files = siteFiles(config, shardWrite.table, shardWrite.buckets, shardWrite.table.bits === bits ? sitemaps : 'all', {
          shards: shardWrite.patched,
          read,
        });
        for (const [file, made] of files.write) {
          // A patched sitemap is made now, in the reused buffer: staged (written) before the next.
          const body = typeof made === 'function' ? made() : made;
          if (body === undefined) continue;
          if (typeof body !== 'string' || readIfExists(path.join(config.outDir, file)) !== body) {
            await stage.stage(file, body);
            result.written.push(file);
          }
          await yieldTurn();
        }
        result.removed.push(...staleSiteFiles(config, previousTable, files.names));
        if (previous && previous.configHash !== config.configHash) {
          result.removed.push(
            ...disabledSiteFiles(config, previousTable, shardWrite.table, (f) => readIfExists(path.join(config.outDir, f))),
          );
        }
      }

      // Deletions are listed in the manifest before they happen, so a crash after it is published
      // leaves them to the next run instead of orphaned.
      const live = new Set<string | undefined>();
      for (const key in manifest.pages) live.add(manifest.pages[key]!.file);
      removals = [...new Set(result.removed)].filter((f) => !live.has(f));
      if (shardWrite) {
        manifest.pendingRemovals = [...new Set([...leftover, ...removals])];
        stagedManifest = await stageManifest(config.manifestFile, manifest, shardWrite, config.root);
      }
    } catch (err) {
      await stage.abort();
      throw err;
    }

    // Phase two, publish: renames only (no new space needed): pages, then the manifest that
    // describes them, then deletions. A rename failing midway leaves pages newer than the
    // manifest, which the invariant allows (they render again when due). Each step is flushed to
    // the disk before the next (write/durable.ts), so a power loss keeps that order too.
    try {
      // The commit point: publish only while this run still owns the lock (manifest/lock.ts).
      lock?.assertHeld();
      await stage.commit(durable, stagedManifest?.temps);
      // Without a manifest to publish, the renames reach the disk now; else with its shards.
      if (!stagedManifest) await durable.flush(stage.renamedDirs);
      // Again before the manifest: the flushes of a large commit can take a while.
      lock?.assertHeld();
    } catch (err) {
      await stage.abort();
      await stagedManifest?.discard();
      throw err;
    }
    if (stagedManifest) {
      try {
        await stagedManifest.publish(durable, true, stage.renamedDirs);
      } catch (err) {
        throw isrError('WRITE_FAILED', ['the manifest', (err as Error).message], {
          hint: 'check the folder of the manifest is writable',
          cause: err,
        });
      }
    }
    // What the sources reported is now published: the next run compares from here.
    detected?.commit();
    // Removed assets no page took over (deleted here too: a run that changed only assets writes
    // no manifest, so no pendingRemovals). Then the record; it is a cache, so failing to write it
    // costs the next run some hashing, not a failed run.
    if (assets.removed.length) {
      const gone = new Set(removals);
      await removeFiles(
        config.outDir,
        assets.removed.filter((f) => gone.has(f)),
      );
    }
    if (recordStale || assets.write.size) saveRecord();
    if (manifest.pendingRemovals?.length) {
      await removeFiles(config.outDir, manifest.pendingRemovals);
      const emptied = new Set(manifest.pendingRemovals.map((f) => nearestFolder(path.dirname(path.join(config.outDir, f)), config.outDir)));
      manifest.pendingRemovals = [];
      // Everything is published; failing to clear the list only makes the next run retry the
      // (idempotent) deletions, so it must not turn a good run into a failed one. The deletions
      // reach the disk first: a list cleared while they were lost would orphan the files.
      await durable
        .flush([...emptied])
        .then(() => writeManifest(config.manifestFile, manifest, { dirty: new Set(), routes: facts }, durable))
        .catch((err) => o.logger.warn(`${describeError(err)} (the next run finishes the removals)`));
    }
    result.removed = removals;
    if (flushed.n) o.logger.debug(`durable publish: ${flushed.n} flushes, ${flushed.ms.toFixed(1)} ms`);
    // Taken while the lock is held, so it is this run's write: `isr serve` compares it with the
    // file later to tell whether another process wrote since (serve/site-state.ts).
    const manifestSignature = stagedManifest ? fileSignature(config.manifestFile) : undefined;
    return { ...base, ...result, manifest, manifestSignature, durationMs: performance.now() - started };
  } finally {
    forgetStaged?.();
    await sources.dispose().catch(() => {});
    await lock?.release();
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

/** The folder itself, or its nearest ancestor still there (removeFiles deletes emptied folders). */
function nearestFolder(dir: string, outDir: string): string {
  while (dir.length > outDir.length && !existsSync(dir)) dir = path.dirname(dir);
  return dir;
}

function manifestMissing(config: ResolvedConfig): IsrError {
  return new IsrError('MANIFEST_MISSING', `no manifest at ${path.relative(config.root, config.manifestFile)}`, {
    hint: 'run `isr build` first (in CI, restore the output folder and .isr/ from the cache before `isr regen`)',
  });
}

/** The result of a run with nothing due: no page loaded, so they are read only if asked for. */
function nothingDueResult(config: ResolvedConfig, head: Manifest, started: number): RunResult {
  let loaded = false;
  return {
    plan: { render: [], remove: [], errors: [], unmatchedTags: [], unknownRoutes: [] },
    listingErrors: [],
    ...emptyResult(),
    get manifest() {
      if (!loaded) loadShards(head, config.manifestFile, config.root, 'all');
      loaded = true;
      return head;
    },
    durationMs: performance.now() - started,
  };
}

/** True when the run's added pages take a shard past its bound (logged, with the cost). */
function outgrown(m: Manifest, touched: readonly string[], before: ReadonlyMap<string, PageEntry | undefined>, logger: Logger): boolean {
  const added = touched.filter((p) => !before.get(p) && m.pages[p]);
  if (added.length === 0) return false;
  const dropped = touched.filter((p) => before.get(p) && !m.pages[p]);
  const ids = outgrownShards(m.shards!, added, dropped);
  if (ids.length)
    logger.debug(`manifest: shard ${ids.join(', ')} past ${maxPagesPerShard()} pages: every shard read and the manifest split again`);
  return ids.length > 0;
}

/** True when a page's line in the sitemap can differ between two entries. */
function sitemapChanged(a: PageEntry | undefined, b: PageEntry | undefined): boolean {
  return (
    a?.file !== b?.file || a?.status !== b?.status || a?.changedAt !== b?.changedAt || a?.route !== b?.route || a?.onDemand !== b?.onDemand
  );
}

/** What the shard summaries need to know of each route. */
function routeFacts(config: ResolvedConfig): Map<string, RouteFacts> {
  return new Map(config.routes.map((r) => [r.name, { revalidate: r.revalidate, sitemap: r.sitemap, sitemapOnDemand: r.sitemapOnDemand }]));
}

/** The shard table a manifest was written with; for a version 1 manifest (one file, all pages
 * loaded), the table of one shard it amounts to. */
function tableOf(config: ResolvedConfig, m: Manifest): Pick<ShardTable, 'bits' | 'info'> {
  return m.shards ?? { bits: 0, info: { '0': { file: '', ...summarizeShard(new Map(Object.entries(m.pages)), routeFacts(config)) } } };
}

function emptyResult(): ExecuteResult {
  return { rendered: [], written: [], unchanged: [], removed: [], failed: [] };
}
