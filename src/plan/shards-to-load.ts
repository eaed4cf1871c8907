/**
 * Which shards of the manifest a run must load before planning: the rest cannot hold a page the
 * planner would render or remove, so a regen that touches a few pages reads a few shards however
 * large the site (see manifest/shards.ts). Pure, like the planner, and tied to its rules: every
 * reason `planRegen` has to look at a page is a reason here to load the shard holding it, and
 * test/unit/shards-to-load.test.ts checks that planning over the loaded shards gives the same
 * plan as planning over all of them.
 */
import type { Manifest } from '../manifest/manifest.js';
import { hashTag, readTagFilter, shardOf } from '../manifest/shards.js';
import { checkNamedPath, namedPathCandidates } from './page-rules.js';
import { type PlanOptions, type PlanRoute, planListings } from './plan-regen.js';

export interface ShardsToLoad {
  /** Shards to load: `all`, or their ids. */
  shards: 'all' | Set<string>;
  /**
   * Of `shards`, those the planner needs only for named pages: the entries under one of `keys`
   * (named paths and fixed routes' pages) or holding one of `tags`. Every other entry of such a
   * shard is one the planner would pass over (not due, template current, route listed), so a run
   * may read just the matching lines (see manifest/shard-patch.ts). Absent: load them whole.
   */
  entriesOnly?: { ids: Set<string>; keys: Set<string>; tags: readonly string[] };
  /** True when the planner would plan nothing: a regen can stop without loading a page. */
  nothingDue: boolean;
}

export function shardsToLoad(input: {
  /** The manifest's head (no pages needed). */
  manifest: Manifest;
  routes: readonly PlanRoute[];
  /** Current closure hash of each template (see Renderer.closureHash). */
  templateHashes: ReadonlyMap<string, string>;
  configHash: string;
  options: PlanOptions;
  now: number;
}): ShardsToLoad {
  const { manifest: m, routes, templateHashes, options: o, now } = input;
  const all: ShardsToLoad = { shards: 'all', nothingDue: false };
  const table = m.shards;
  if (!table || table.loaded === 'all') return all;
  // Whole-site reasons: a build, --all, a config change, and a dynamic route whose listing is due
  // (its fresh list is compared with all its pages; a --tag the listing recorded is one).
  // --forget-on-demand: a rare, manual clean-up; the summaries do not say where on-demand pages are.
  if (o.mode !== 'regen' || o.all || o.forgetOnDemand || m.configHash !== input.configHash) return all;
  const byName = new Map(routes.map((r) => [r.name, r]));
  const listings = [...planListings(m, routes, o, input.configHash, now)].map((n) => byName.get(n)!);
  if (listings.some((r) => r.dynamic)) return all;

  const { bits, info } = table;
  // `whole`: shards with a page the planner looks at for a reason of its own (due, template or
  // route changed, --route); `named`: shards it needs only for the entries named below.
  const whole = new Set<string>();
  const named = new Set<string>();
  const keys = new Set<string>();
  // Named tags and the tags change detection found are looked up alike.
  const allTags = [...(o.tags ?? []), ...(o.changedTags ?? [])];
  const tagHashes = allTags.map(hashTag);
  for (const raw of [...(o.paths ?? []), ...(o.duePaths ?? []), ...(o.dropNotFound ?? [])]) {
    if (checkNamedPath(raw)) continue;
    for (const c of namedPathCandidates(raw)) {
      keys.add(c);
      named.add(shardOf(c, bits));
    }
  }
  for (const id in info) {
    const s = info[id]!;
    if (o.routes?.some((r) => s.routes[r])) whole.add(id);
    // --tag: the shards whose tag filter may hold one of the tags (never misses one that does).
    if (tagHashes.length) {
      const has = readTagFilter(s.tags);
      if (tagHashes.some(has)) named.add(id);
    }
    if (o.onlyNamed) continue;
    if (s.nextDueAt !== undefined && s.nextDueAt <= now) whole.add(id);
    for (const name in s.routes) {
      const route = byName.get(name);
      // A page whose route is gone is removed; one whose template changed renders again.
      if (!route || s.routes[name]!.templateHashes.some((h) => h !== templateHashes.get(route.template))) whole.add(id);
    }
  }
  // Fixed routes are "listed" on every run at no cost: the planner renders their one page if it
  // is missing, recorded as notFound, or owned by another route. The summaries tell when that
  // cannot be; either way its shard is loaded, or the planner would take it for missing.
  const fixed = new Set<string>();
  for (const r of listings) {
    let pages = 0;
    let notFound = 0;
    for (const id in info) {
      pages += info[id]!.routes[r.name]?.pages ?? 0;
      notFound += info[id]!.routes[r.name]?.notFound ?? 0;
    }
    const id = shardOf(r.source, bits);
    if (pages !== 1 || notFound) whole.add(id);
    // The planner looks a fixed route's page up by its path only.
    keys.add(r.source);
    fixed.add(id);
  }
  const nothingDue =
    whole.size === 0 &&
    named.size === 0 &&
    !o.paths?.length &&
    !o.duePaths?.length &&
    !o.dropNotFound?.length &&
    !o.routes?.length &&
    !allTags.length &&
    !m.pendingRemovals?.length;
  const shards = new Set([...whole, ...named, ...fixed]);
  const ids = new Set([...shards].filter((id) => !whole.has(id)));
  return { shards, nothingDue, ...(ids.size ? { entriesOnly: { ids, keys, tags: allTags } } : {}) };
}
