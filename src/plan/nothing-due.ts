/**
 * "Nothing is due", decided from the manifest's head alone (its summary of the pages), so a regen
 * from cron on a large site does not parse every page to find nothing to do. Pure, like the
 * planner: it answers true only when `planRegen` would plan nothing, and false whenever in doubt
 * (the caller then reads the whole manifest and runs the planner as usual). It mirrors the
 * planner's rules: a new rule there needs its case here (test/unit/nothing-due.test.ts checks
 * the two agree).
 */
import type { ManifestHead } from '../manifest/manifest.js';
import { planListings, type PlanOptions, type PlanRoute } from './plan-regen.js';

export function nothingDue(input: {
  head: ManifestHead;
  routes: readonly PlanRoute[];
  /** Current closure hash of each template (see Renderer.closureHash). */
  templateHashes: ReadonlyMap<string, string>;
  configHash: string;
  options: PlanOptions;
  now: number;
}): boolean {
  const { head, routes, templateHashes, options: o, now } = input;
  const summary = head.summary;
  if (!summary) return false;
  // Anything named, forced or in a mode other than a plain regen goes through the planner.
  if (o.mode !== 'regen' || o.all || o.onlyNamed || o.paths?.length || o.tags?.length || o.routes?.length) return false;
  if (head.configHash !== input.configHash || head.pendingRemovals?.length) return false;
  if (summary.nextDueAt !== undefined && summary.nextDueAt <= now) return false;

  const byName = new Map(routes.map((r) => [r.name, r]));
  // Pages of a route that is gone would be removed.
  for (const name of Object.keys(summary.routes)) if (!byName.has(name)) return false;
  // A route whose listing is due would be listed (and could add or remove pages). Fixed routes are
  // always "listed" at no cost: their one page must exist, and not as notFound (a listed page
  // recorded notFound renders at once).
  for (const name of planListings({ ...head, pages: {} }, routes, o, input.configHash, now)) {
    const r = byName.get(name)!;
    const s = summary.routes[name];
    if (r.dynamic || s?.pages !== 1 || s.notFound) return false;
  }
  // Every page must have been rendered with its template's current closure.
  for (const [name, s] of Object.entries(summary.routes)) {
    const current = templateHashes.get(byName.get(name)!.template);
    if (s.templateHashes.some((h) => h !== current)) return false;
  }
  return true;
}
