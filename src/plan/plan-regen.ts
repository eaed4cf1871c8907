/**
 * The regen planner: which route listings to re-run and which pages to render now, and why.
 *
 * Pure: a function of the previous manifest, the current routes, fresh listings, template
 * hashes, the options and `now`. No disk, no clock, no config loading; that is what lets it be
 * tested exhaustively and what keeps a 100k-page plan in milliseconds.
 */
import type { Manifest, PageEntry } from '../manifest/manifest.js';
import { pathSizeProblem } from '../routes/pattern.js';
import type { Params, Revalidate } from '../types.js';
import { checkNamedPath, isDue, namedPathCandidates, pageIsDue } from './page-rules.js';

export type Reason =
  | 'build'
  | 'all'
  | 'new'
  | 'expired'
  | 'retry'
  | 'path'
  | 'tag'
  | 'route'
  | 'template-changed'
  | 'config-changed'
  | 'changed'
  | 'removed';

/** What the planner needs to know of a route (plain data, no functions). */
export interface PlanRoute {
  name: string;
  template: string;
  /** True when the route has `:params` (and so a `paths()` listing). */
  dynamic: boolean;
  /** The route's pattern (`/blog/:slug/`); for a fixed route, its one URL path. */
  source: string;
  listRevalidate: Revalidate;
  /** Returns params when `urlPath` belongs to the route. */
  match(urlPath: string): Params | undefined;
}

export interface PageRef {
  path: string;
  route: string;
  params: Params;
}

export interface PlanOptions {
  /** `build` renders everything; `regen` only what is due or named. */
  mode: 'build' | 'regen';
  all?: boolean;
  paths?: readonly string[];
  tags?: readonly string[];
  /**
   * Tags whose data changed since the last published run, as the sources' `changes` hooks
   * found them (run/detect-changes.ts): like `tags`, with reason `changed`, and never reported as
   * unmatched (most changes touch no page).
   */
  changedTags?: readonly string[];
  routes?: readonly string[];
  /**
   * Render only what is named (paths, tags, routes): no expired pages, retries, template or
   * config changes, listings or removals. `isr serve` uses it for one stale page or a webhook.
   */
  onlyNamed?: boolean;
  /**
   * Named paths rendered only if they are still due (past their window, or failed and past their
   * retry time) in the manifest this run reads under its lock: what `isr serve` asks for a page
   * it served stale. Another process (a cron `isr regen`, another `--workers` server) may have
   * rendered it since; then nothing is done. Paths not in the manifest are passed over.
   */
  duePaths?: readonly string[];
  /**
   * `isr regen --forget-on-demand`: remove every on-demand page (files and entries) of these
   * routes, or of every route when true. A page a fresh listing gives is kept.
   */
  forgetOnDemand?: true | readonly string[];
  /**
   * Remembered notFound answers of on-demand paths that `isr serve` found past their window:
   * dropped if the manifest this run reads under its lock still has them so (see forgetsNotFound).
   */
  dropNotFound?: readonly string[];
}

export interface PlannedPage extends PageRef {
  reasons: Reason[];
}

export interface PlannedRemoval {
  path: string;
  route: string;
  /** File to delete, outDir-relative, when the page had one. */
  file?: string;
  reason: 'removed';
}

export interface Plan {
  render: PlannedPage[];
  remove: PlannedRemoval[];
  /** Named paths that cannot be rendered, with why. */
  errors: { path: string; message: string }[];
  /** Named tags no page or listing recorded. */
  unmatchedTags: string[];
  /** Named routes that do not exist. */
  unknownRoutes: string[];
}

/** Which routes must have their `paths()` re-run now. Fixed routes are always "listed" (free). */
export function planListings(
  manifest: Manifest | undefined,
  routes: readonly PlanRoute[],
  options: PlanOptions,
  configHash: string,
  now: number,
): Set<string> {
  const out = new Set<string>();
  const configChanged = manifest !== undefined && manifest.configHash !== configHash;
  for (const r of routes) {
    const entry = manifest?.routes[r.name];
    if (options.onlyNamed) continue;
    if (
      !r.dynamic ||
      options.mode === 'build' ||
      options.all ||
      configChanged ||
      !entry ||
      entry.error !== undefined ||
      options.routes?.includes(r.name) ||
      isDue(entry.listedAt, entry.listRevalidate, now) ||
      (options.tags?.length && entry.tags?.some((t) => options.tags!.includes(t))) ||
      (options.changedTags?.length && entry.tags?.some((t) => options.changedTags!.includes(t)))
    ) {
      out.add(r.name);
    }
  }
  return out;
}

/**
 * The pages to render and remove. `listings` holds the fresh page lists of the routes that were
 * re-listed (routes whose listing failed are absent: their pages are kept as they are).
 */
export function planRegen(input: PlanInput): Plan {
  const steps = planSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** What the planner is given (see planRegen). */
export interface PlanInput {
  manifest: Manifest | undefined;
  routes: readonly PlanRoute[];
  listings: ReadonlyMap<string, readonly PageRef[]>;
  /** Current closure hash of each template (see Renderer.closureHash). */
  templateHashes: ReadonlyMap<string, string>;
  configHash: string;
  options: PlanOptions;
  now: number;
}

/** Items the planner's loops go through between two steps (see planSteps). */
const ITEMS_PER_STEP = 512;

/**
 * planRegen as steps: the same pure computation, pausing (`yield`) every ITEMS_PER_STEP items of
 * its loops, so `isr serve` can give the event loop a turn in between (time-slice.ts#runStepsSliced):
 * planning a webhook's 20,000 named paths in one go held every cached GET for ~60 ms.
 */
export function* planSteps(input: PlanInput): Generator<void, Plan> {
  let n = 0;
  const { manifest, routes, listings, templateHashes, options, now } = input;
  const pages = manifest?.pages ?? {};
  const byName = new Map(routes.map((r) => [r.name, r]));
  const configChanged = manifest !== undefined && manifest.configHash !== input.configHash;
  const named = new Set<string>();
  const errors: Plan['errors'] = [];
  const planned = new Map<string, PlannedPage>();
  const remove: PlannedRemoval[] = [];

  const add = (ref: PageRef, reason: Reason) => {
    const p = planned.get(ref.path);
    if (p) {
      if (!p.reasons.includes(reason)) p.reasons.push(reason);
    } else planned.set(ref.path, { path: ref.path, route: ref.route, params: ref.params, reasons: [reason] });
  };

  // Paths asked for only if due: their manifest entries are looked at with the other pages below.
  // One whose page is not there with a live route is taken as named: rendered by the route that
  // matches it now, or reported (so `isr serve` stops asking for it).
  const dueNamed = new Set<string>();
  const namedRaw = [...(options.paths ?? [])];
  for (const raw of options.duePaths ?? []) {
    const known = !checkNamedPath(raw) && namedPathCandidates(raw).find((c) => pages[c] && byName.has(pages[c]!.route));
    if (known) dueNamed.add(known);
    else namedRaw.push(raw);
  }

  // Named paths: normalise, validate, and match to a route even when never built (fallback in CI).
  for (const raw of namedRaw) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    const problem = checkNamedPath(raw);
    if (problem) {
      errors.push({ path: raw, message: problem });
      continue;
    }
    const candidates = namedPathCandidates(raw);
    const known = candidates.find((c) => pages[c] && byName.has(pages[c]!.route));
    if (known) {
      named.add(known);
      continue;
    }
    let matched: PageRef | undefined;
    for (const c of candidates) {
      for (const r of routes) {
        const params = r.match(c);
        if (params) {
          matched = { path: c, route: r.name, params };
          break;
        }
      }
      if (matched) break;
    }
    if (matched) add(matched, 'path');
    else errors.push({ path: raw, message: pathSizeProblem(raw) ?? 'matches no route' });
  }

  const tagSet = new Set(options.tags ?? []);
  const changedSet = new Set(options.changedTags ?? []);
  const routeSet = new Set(options.routes ?? []);
  const usedTags = new Set<string>();

  // Removals and new pages from fresh listings.
  const listed = new Map<string, PageRef>();
  for (const refs of listings.values()) for (const ref of refs) listed.set(ref.path, ref);
  // (Not even started when only named pages are planned: a for-in lists every key first, ~5 ms of
  // a 20k-path webhook's run.)
  if (!options.onlyNamed)
    for (const path in pages) {
      if (++n % ITEMS_PER_STEP === 0) yield;
      const entry = pages[path]!;
      const route = byName.get(entry.route);
      const relisted = route && listings.has(route.name);
      // A page that vanished from a fresh listing, or whose route is gone from the config. A page
      // built on demand (named path / serve fallback) is not in any listing by nature: it stays
      // until its own load says notFound. A path that another route lists now (a route renamed, a
      // pattern moved) is not removed: that route re-renders it below, over the same file.
      const forget = options.forgetOnDemand;
      if (
        forget &&
        entry.onDemand &&
        (forget === true || forget.includes(entry.route)) &&
        !listed.has(path) &&
        !named.has(path) &&
        !planned.has(path)
      ) {
        remove.push({ path, route: entry.route, file: entry.file, reason: 'removed' });
        continue;
      }
      if (options.onlyNamed) {
        if (forget) continue;
        break;
      }
      if ((!route && !listed.has(path)) || (relisted && !listed.has(path) && !named.has(path) && !planned.has(path) && !entry.onDemand)) {
        remove.push({ path, route: entry.route, file: entry.file, reason: 'removed' });
      } else if (forgetsNotFound(entry, now) && !listed.has(path) && !named.has(path) && !planned.has(path)) {
        // A remembered notFound answer to a request no listing backs (a fallback path, maybe a
        // flood of random ones): forgotten when its window ends, not asked of the data source again
        // every window for ever. A new request for the path renders it afresh.
        remove.push({ path, route: entry.route, reason: 'removed' });
      }
    }
  const removing = new Set(remove.map((r) => r.path));
  for (const path of options.dropNotFound ?? []) {
    const entry = pages[path];
    if (entry && !removing.has(path) && forgetsNotFound(entry, now) && !listed.has(path) && !named.has(path) && !planned.has(path)) {
      remove.push({ path, route: entry.route, reason: 'removed' });
      removing.add(path);
    }
  }

  // New: not built yet, built by another route, or recorded as notFound (say a draft someone
  // requested before it was published): the listing now says the page exists, so render it now
  // rather than when its notFound entry expires.
  for (const ref of listed.values()) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    const prev = pages[ref.path];
    if (!prev || prev.route !== ref.route || prev.status === 'notFound') add(ref, options.mode === 'build' ? 'build' : 'new');
  }

  // Existing pages: due, named, or changed underneath. (for-in and a ref made only for a page
  // that gets a reason: this loop runs over every loaded page, 100k of them for --tag.)
  for (const path in pages) {
    if (++n % ITEMS_PER_STEP === 0) yield;
    if (removing.has(path)) continue;
    const entry = pages[path]!;
    const listedRef = listed.get(path);
    const routeName = listedRef?.route ?? entry.route;
    const route = byName.get(routeName);
    // Its route is gone and nothing lists it (onlyNamed skips removals): nothing can render it.
    if (!route) continue;
    if (options.mode === 'build') add(refOf(path, routeName, entry, listedRef), 'build');
    if (options.all) add(refOf(path, routeName, entry, listedRef), 'all');
    if (named.has(path)) add(refOf(path, routeName, entry, listedRef), 'path');
    if (dueNamed.has(path) && pageIsDue(entry, now))
      add(refOf(path, routeName, entry, listedRef), entry.status === 'error' ? 'retry' : 'expired');
    if (routeSet.has(routeName)) add(refOf(path, routeName, entry, listedRef), 'route');
    if (tagSet.size && entry.tags) {
      for (const t of entry.tags) {
        if (tagSet.has(t)) {
          usedTags.add(t);
          add(refOf(path, routeName, entry, listedRef), 'tag');
        }
      }
    }
    if (changedSet.size && entry.tags?.some((t) => changedSet.has(t))) add(refOf(path, routeName, entry, listedRef), 'changed');
    if (options.onlyNamed) continue;
    if (configChanged) add(refOf(path, routeName, entry, listedRef), 'config-changed');
    if (entry.status === 'error') {
      if ((entry.retryAt ?? 0) <= now) add(refOf(path, routeName, entry, listedRef), 'retry');
    } else if (isDue(entry.builtAt, entry.revalidate, now)) {
      add(refOf(path, routeName, entry, listedRef), 'expired');
    }
    const current = templateHashes.get(route.template);
    if (entry.templateHash && current && entry.templateHash !== current) add(refOf(path, routeName, entry, listedRef), 'template-changed');
  }

  // A tag also counts as used when it only re-listed a route (a new post re-lists the posts).
  for (const r of routes) {
    const tags = manifest?.routes[r.name]?.tags;
    if (tags) for (const t of tags) if (tagSet.has(t)) usedTags.add(t);
  }

  return {
    render: [...planned.values()],
    remove,
    errors,
    unmatchedTags: [...tagSet].filter((t) => !usedTags.has(t)),
    unknownRoutes: [...routeSet].filter((r) => !byName.has(r)),
  };
}

/** The page ref of an existing entry (its fresh listing's when listed). */
function refOf(path: string, route: string, entry: PageEntry, listed: PageRef | undefined): PageRef {
  return listed ?? { path, route, params: entry.params ?? {} };
}

/** An on-demand page whose load said notFound, past its window: dropped from the manifest. */
function forgetsNotFound(entry: PageEntry, now: number): boolean {
  return entry.onDemand === true && entry.status === 'notFound' && isDue(entry.builtAt, entry.revalidate, now);
}
