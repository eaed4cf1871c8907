/**
 * Stage two of a run: what to render and remove, and why. The pure parts are the planner's
 * (plan/plan-regen.ts, plan/shards-to-load.ts); here they are fed: the shards the plan can need
 * are read (one query to the run's page reader), the due routes listed.
 */
import { type PageRef, type Plan, planListings, planSteps } from '../plan/plan-regen.js';
import { shardsToLoad } from '../plan/shards-to-load.js';
import { listRoutes } from '../routes/list-paths.js';
import type { SourceSet } from '../sources/source-set.js';
import { runStepsSliced, yieldTurn } from '../time-slice.js';
import type { OpenedRun } from './open-run.js';
import type { RunContext } from './run-types.js';

export interface PlannedRun {
  plan: Plan;
  /** Fresh listings of the routes that were due, by route name. */
  listings: Map<string, PageRef[]>;
  listingTags: Map<string, string[]>;
  listingFailed: Map<string, string>;
  /** The routes listed (planListings: the planner's own choice, detected changes included). */
  listed: Set<string>;
}

/** The run's plan; `undefined` when nothing is due (then no page was read: the head only). */
export async function planRun(ctx: RunContext, run: OpenedRun, sources: SourceSet): Promise<PlannedRun | undefined> {
  const { config, o } = ctx;
  const { previous, routes, templateHashes, planOptions: options } = run;
  const configHash = config.configHash;
  if (previous) {
    // Load the shards that can hold a page to render or remove; a regen from cron with nothing
    // due loads none (see plan/shards-to-load.ts).
    const need = shardsToLoad({ manifest: previous, routes, templateHashes, configHash, options, now: o.now });
    if (need.nothingDue && !run.assets.write.size && !run.assets.removed.length) return undefined;
    await ctx.objects?.fetchShards(previous, need.shards);
    run.read(previous, { shards: need.shards, entriesOnly: need.entriesOnly });
  }
  // Between the steps of a large run, each tens of ms at 20k pages: see time-slice.ts.
  await yieldTurn();
  const toList = planListings(previous, routes, options, configHash, o.now);
  const { listings, tags, failed } = await listRoutes(config, toList, sources, o.now);
  const plan = await runStepsSliced(planSteps({ manifest: previous, routes, listings, templateHashes, configHash, options, now: o.now }));
  await yieldTurn();
  return { plan, listings, listingTags: tags, listingFailed: failed, listed: toList };
}
