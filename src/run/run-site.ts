/**
 * One build or regen, start to finish, as stages over the site's store: lease → open (the
 * manifest head and its version, templates, assets, detected changes) → plan (pure, fed the
 * shards it needs) → execute (load, render, stage) → prepare the publish (the manifest and site
 * files staged) → publish (pages, then the head under a precondition, then deletions) → release.
 * `isr build`, `isr regen` and every regeneration of `isr serve` go through here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { LEASE_MS } from '../manifest/lock.js';
import { emptyManifest, type Manifest } from '../manifest/manifest.js';
import { SourceSet } from '../sources/source-set.js';
import { fsSiteStore } from '../store/fs-store.js';
import { fsyncDurability, NOT_DURABLE } from '../write/durable.js';
import { sweepTempFiles } from '../write/remove-files.js';
import { freshStageDir, Stage } from '../write/stage.js';
import { type ExecutedRun, executeRun } from './execute-run.js';
import { onInterrupt, onInterruptRelease } from './interrupt.js';
import { type ObjectRun, openObjectRun } from './object-state.js';
import { manifestMissing, type OpenedRun, openRun } from './open-run.js';
import { type PlannedRun, planRun } from './plan-run.js';
import { type PreparedPublish, preparePublish } from './prepare-publish.js';
import { publishRun } from './publish-run.js';
import { type ChangeSet, emptyResult, type RunContext, type RunOptions, type RunResult } from './run-types.js';

export type { ChangeSet, RunOptions, RunResult, RunTuning } from './run-types.js';

export async function runSite(config: ResolvedConfig, o: RunOptions): Promise<RunResult> {
  // Refused before the lease, whose folder would otherwise be left behind in a site never built.
  // (Checked again under the lease: a build may be writing the first manifest right now.)
  const inObjects = o.store !== undefined && o.store.kind !== 'fs';
  if (!inObjects && o.mode === 'regen' && !existsSync(config.manifestFile)) throw manifestMissing(config);
  if (inObjects && o.mode === 'regen' && !o.dryRun && !named(o)) {
    const idle = await nothingDueUnleased(config, o);
    if (idle) return idle;
  }
  const ctx = await startRun(config, o);
  // (ctx.config: in an object store, the run's work folder holds the sources' caches too.)
  const sources = new SourceSet(ctx.config, o.logger, () => o.now);
  try {
    if (ctx.lease?.recovered && !ctx.objects) await sweepTempFiles([config.outDir, config.stateDir], o.logger);
    const run = await openRun(ctx, sources);
    const planned = await planRun(ctx, run, sources);
    if (!planned) {
      if (!o.dryRun) {
        if (run.recordStale) run.saveRecord();
        run.detected?.commit();
        await ctx.objects?.saveRecords();
      }
      return nothingDueResult(ctx, run.previous!, run.headVersion);
    }
    const base = {
      plan: planned.plan,
      listingErrors: [...planned.listingFailed].map(([route, error]) => ({ route, error })),
      listed: [...planned.listed],
    };
    if (o.dryRun) return { ...base, ...emptyResult(run.headVersion), manifest: run.previous ?? emptyManifest(), durationMs: elapsed(ctx) };
    return { ...base, ...(await stageAndPublish(ctx, run, planned, sources)), durationMs: elapsed(ctx) };
  } finally {
    await sources.dispose().catch(() => {});
    await ctx.lease?.release();
    ctx.objects?.dispose();
    ctx.untrack?.();
  }
}

/**
 * A cron regen of a site in an object store looks first without the lease: the head and the
 * records (two GETs), the sources' changes, the plan. With nothing due, nothing changed and no
 * record to put back, that is the whole run (issue 20's target: at most 2 requests). Otherwise
 * (undefined) the run proper takes the lease and reads it all again: a second look for runs that
 * have work to do, which costs two GETs and a template compile the process keeps.
 */
async function nothingDueUnleased(config: ResolvedConfig, o: RunOptions): Promise<RunResult | undefined> {
  const ctx = await startRun(config, { ...o, dryRun: true });
  const sources = new SourceSet(ctx.config, o.logger, () => o.now);
  try {
    const run = await openRun(ctx, sources);
    if (await planRun(ctx, run, sources)) return undefined;
    if (run.recordStale) run.saveRecord();
    run.detected?.commit();
    return ctx.objects?.recordsChanged() ? undefined : nothingDueResult(ctx, run.previous!, run.headVersion);
  } finally {
    await sources.dispose().catch(() => {});
    ctx.objects?.dispose();
    ctx.untrack?.();
  }
}

/** True when the run renders something named (pages, tags, routes, all): never a run with nothing due. */
function named(o: RunOptions): boolean {
  return !!(o.all || o.paths?.length || o.tags?.length || o.routes?.length || o.forgetOnDemand);
}

/** The lease (none for a dry run, which writes nothing) and what every stage shares. */
async function startRun(config: ResolvedConfig, o: RunOptions): Promise<RunContext> {
  const flushed = { n: 0, ms: 0 };
  const durable =
    o.durability ??
    fsyncDurability([config.outDir, path.dirname(config.outDir), config.stateDir], (ms) => {
      flushed.n += 1;
      flushed.ms += ms;
    });
  const store = o.store ?? fsSiteStore({ outDir: config.outDir, stateDir: config.stateDir, durability: durable });
  const waitMs = (o.waitSeconds ?? 0) * 1000;
  const lease = o.dryRun
    ? undefined
    : await store.leases.acquire('lock', { owner: o.command, ttlMs: o.leaseMs ?? LEASE_MS, waitMs, oneRequest: store.kind !== 'fs' });
  if (store.kind === 'fs') return { config, o, started: performance.now(), store, lease, durable, flushed };
  // An object store: what the run reads of it, in a work folder of the run's own (object-state.ts).
  let objects: ObjectRun | undefined;
  try {
    objects = await openObjectRun(config, store, store.where ?? `the ${store.kind} store`);
    // Before the run writes anything, the store must be known to honour conditional writes: the
    // lease may have been taken with one PUT, which a store that ignores them would take blindly
    // too (s3-lease.ts). One request per process, none when the acquire checked already.
    if (lease) await store.leases.verifyConditionalWrites?.('lock');
  } catch (err) {
    objects?.dispose();
    await lease?.release().catch(() => {});
    throw err;
  }
  // A signal: the work folder deleted (synchronously), the lease released by its request.
  const work = objects;
  const forget = [onInterrupt(() => work.dispose()), ...(lease ? [onInterruptRelease(() => lease.release())] : [])];
  const untrack = () => {
    for (const f of forget) f();
  };
  return { config: objects.config, o, started: performance.now(), store, lease, durable: NOT_DURABLE, flushed, objects, untrack };
}

/**
 * Phase one, every byte to temp files (execute, prepare), then phase two, the publish. A failure
 * in phase one (bad input, a full disk) deletes every temp file: the published site is untouched.
 */
async function stageAndPublish(ctx: RunContext, run: OpenedRun, planned: PlannedRun, sources: SourceSet) {
  const { config, o } = ctx;
  // A first build stages the whole output folder and renames it into place (write/stage.ts).
  // (Not in an object store's run: its pages are uploaded one by one from their temp files.)
  const whole = o.mode === 'build' && !ctx.objects;
  const stage = new Stage(config.outDir, whole ? freshStageDir(config.outDir, config.stateDir) : undefined);
  let staged: { discard(): Promise<void> } | undefined;
  // A signal deletes what this run staged (synchronous calls inside; see run/interrupt.ts).
  const forgetStaged = onInterrupt(() => {
    void stage.abort();
    void staged?.discard();
  });
  try {
    let ex: ExecutedRun;
    let prep: PreparedPublish;
    try {
      ex = await executeRun(ctx, run, planned, stage, sources);
      prep = await preparePublish(ctx, run, planned, ex, stage);
      staged = prep.staged;
    } catch (err) {
      await stage.abort();
      throw err;
    }
    const manifestSignature = await publishRun(ctx, run, ex, prep, stage);
    await ctx.objects?.saveRecords();
    if (ctx.flushed.n) o.logger.debug(`durable publish: ${ctx.flushed.n} flushes, ${ctx.flushed.ms.toFixed(1)} ms`);
    const changes: ChangeSet = {
      pages: [...ex.result.rendered, ...ex.result.failed.map((f) => f.path)],
      removedPages: planned.plan.remove.map((r) => r.path),
      shards: prep.shards,
      ...(run.headVersion ? { fromVersion: run.headVersion } : {}),
      ...(manifestSignature ? { headVersion: manifestSignature } : {}),
    };
    return { ...ex.result, removed: prep.removals, manifest: ex.manifest, manifestSignature, changes };
  } finally {
    forgetStaged();
  }
}

function elapsed(ctx: RunContext): number {
  return performance.now() - ctx.started;
}

/**
 * The result of a run with nothing due: no page was loaded, and none is now. Its `manifest` is
 * the head it read, with no page in memory (`shards.loaded` empty): what a reader of a result
 * needs of it is the head (routes, templates, shard summaries). It used to be a getter that read
 * every shard when touched, which `isr serve` did on adopting such a run (every stale page found
 * rendered already by another worker cost it the whole manifest).
 */
function nothingDueResult(ctx: RunContext, head: Manifest, version: string | undefined): RunResult {
  return {
    plan: { render: [], remove: [], errors: [], unmatchedTags: [], unknownRoutes: [] },
    listingErrors: [],
    listed: [],
    ...emptyResult(version),
    manifest: head,
    durationMs: elapsed(ctx),
  };
}
