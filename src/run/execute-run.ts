/**
 * Stage three of a run: load, render and stage every planned page (execute-plan.ts), the
 * public folder's changed assets with them, and the manifest the run will publish: removed
 * pages dropped, routes' listings recorded, templates noted. Nothing is visible yet.
 */
import type { ResolvedConfig } from '../config/resolve-config.js';
import { emptyManifest, type Manifest, type PageEntry, type ShardTable } from '../manifest/manifest.js';
import type { SourceSet } from '../sources/source-set.js';
import { yieldTurn } from '../time-slice.js';
import { VERSION } from '../version.js';
import { stageAssets } from '../write/public-assets.js';
import type { Stage } from '../write/stage.js';
import { type ExecuteContext, type ExecuteResult, executePlan } from './execute-plan.js';
import type { OpenedRun } from './open-run.js';
import type { PlannedRun } from './plan-run.js';
import { tableOf } from './prepare-publish.js';
import type { RunContext } from './run-types.js';

export interface ExecutedRun {
  /** The manifest to publish: the previous head with the loaded pages, changed by this run. */
  manifest: Manifest;
  result: ExecuteResult;
  /** Every page the run planned to render or remove, with its entry before the run. */
  before: Map<string, PageEntry | undefined>;
  /** The manifest must be written (pages, listings or errors changed, or a first build). */
  changed: boolean;
  /** The shard table of the previous manifest, taken before the run changed any page (the site
   * files it named are compared with the new ones). */
  previousTable?: Pick<ShardTable, 'bits' | 'info'>;
  previousConfigHash?: string;
}

export async function executeRun(
  ctx: RunContext,
  run: OpenedRun,
  planned: PlannedRun,
  stage: Stage,
  sources: SourceSet,
): Promise<ExecutedRun> {
  const { config, o } = ctx;
  const { previous } = run;
  const { plan, listings } = planned;
  // The run replaces loaded entries in the manifest it builds: copying them (a whole site's worth
  // for --tag or a listing) cost more than a small regen's work. What it may replace is kept.
  const before = new Map<string, PageEntry | undefined>();
  for (const p of [...plan.render, ...plan.remove]) before.set(p.path, previous?.pages[p.path]);
  const manifest: Manifest = previous ? { ...previous, routes: { ...previous.routes } } : emptyManifest();
  const previousTable = previous && tableOf(config, previous);
  // On demand: a named page that no fresh listing gives and that did not exist. Naming an
  // existing, listed page (`--path` from a CMS webhook) must not exempt it from later listings,
  // or it would never be removed when its entry is deleted.
  const listedPaths = new Set([...listings.values()].flatMap((refs) => refs.map((r) => r.path)));
  const onDemand = new Set(
    plan.render.filter((p) => p.reasons.includes('path') && !previous?.pages[p.path] && !listedPaths.has(p.path)).map((p) => p.path),
  );
  // Between the steps of a large run, each tens of ms at 20k pages: see time-slice.ts.
  await yieldTurn();
  const { renderer, assets } = run;
  const execute = {
    config,
    renderer,
    sources,
    stage,
    manifest,
    now: o.now,
    logger: o.logger,
    onDemand,
    loadTimeoutMs: o.loadTimeoutMs,
    ...objectCompare(ctx),
  };
  const result = await executePlan(execute, plan.render);
  for (const r of plan.remove) {
    delete manifest.pages[r.path];
    if (r.file) result.removed.push(r.file);
  }
  stageAssets(config, assets, manifest, stage, result);
  recordListings(config, manifest, planned, o.now);
  // A re-run listing counts too: its listedAt (and a cleared error) must be recorded, or the
  // route would be listed again on every run.
  const relisted = [...listings.keys()].some((name) => config.routes.find((r) => r.name === name)!.pattern.names.length > 0);
  const changed =
    result.rendered.length > 0 ||
    plan.remove.length > 0 ||
    result.failed.length > 0 ||
    planned.listingFailed.size > 0 ||
    relisted ||
    !previous;
  if (changed) {
    manifest.templates = renderer.templateEntries(new Set(config.routes.map((r) => r.template)));
    manifest.configHash = config.configHash;
    manifest.generator = `isr ${VERSION}`;
    manifest.updatedAt = o.now;
  }
  await yieldTurn();
  return { manifest, result, before, changed, previousTable, previousConfigHash: previous?.configHash };
}

/** How an object store's run tells unchanged pages (see ExecuteContext.compare); nothing on the file system. */
function objectCompare(ctx: RunContext): Pick<ExecuteContext, 'compare' | 'versionOf'> {
  if (!ctx.objects) return {};
  const site = ctx.store.site;
  return { compare: ctx.lease?.recovered ? 'nothing' : 'manifest', ...(site.versionOf ? { versionOf: (b) => site.versionOf!(b) } : {}) };
}

/** Each listed route's time and tags, each failed listing's error; routes gone from the config dropped. */
function recordListings(config: ResolvedConfig, manifest: Manifest, planned: PlannedRun, now: number): void {
  for (const name of planned.listings.keys()) {
    const route = config.routes.find((r) => r.name === name)!;
    if (route.pattern.names.length === 0) continue;
    const tags = planned.listingTags.get(name);
    manifest.routes[name] = { listedAt: now, listRevalidate: route.listRevalidate, ...(tags?.length ? { tags } : {}) };
  }
  for (const [name, error] of planned.listingFailed)
    manifest.routes[name] = { ...(manifest.routes[name] ?? { listedAt: 0, listRevalidate: false }), error };
  for (const name of Object.keys(manifest.routes)) if (!config.routes.some((r) => r.name === name)) delete manifest.routes[name];
}
