import type { ResolvedConfig, ResolvedRoute } from '../config/resolve-config.js';
import { abortsRun, describeError, IsrError, isrError } from '../errors.js';
import type { PageRef, PlanRoute } from '../plan/plan-regen.js';
import type { SourceSet } from '../sources/source-set.js';
import type { Params } from '../types.js';
import { PatternError } from './pattern.js';
import { restValueOf } from './rest-param.js';

export interface Listing {
  route: string;
  pages: PageRef[];
  tags: string[];
}

/** The planner's view of the config's routes. */
export function planRoutes(config: ResolvedConfig): PlanRoute[] {
  return config.routes.map((r) => ({
    name: r.name,
    template: r.template,
    dynamic: r.pattern.names.length > 0,
    source: r.pattern.source,
    listRevalidate: r.listRevalidate,
    match: (p) => r.pattern.match(p),
  }));
}

/**
 * Run `paths()` for the given routes. A route whose `paths()` throws is reported in `failed` and
 * left out of the listings (its pages are kept). Bad params or two routes claiming one URL are
 * input errors: they stop the run before anything is written.
 */
export async function listRoutes(
  config: ResolvedConfig,
  names: Set<string>,
  sources: SourceSet,
  now: number,
): Promise<{ listings: Map<string, PageRef[]>; tags: Map<string, string[]>; failed: Map<string, string> }> {
  const listings = new Map<string, PageRef[]>();
  const tags = new Map<string, string[]>();
  const failed = new Map<string, string>();
  const owner = new Map<string, string>();
  await Promise.all(
    config.routes
      .filter((r) => names.has(r.name))
      .map(async (route) => {
        let result: Listing;
        try {
          result = await listRoute(config, route, sources, now);
        } catch (err) {
          if (abortsRun(err)) throw err;
          failed.set(route.name, `paths() of ${route.name} failed: ${describeError(err)}`);
          return;
        }
        listings.set(route.name, result.pages);
        tags.set(route.name, result.tags);
      }),
  );
  // Clashes are checked in config order so the message is deterministic.
  for (const route of config.routes) {
    for (const ref of listings.get(route.name) ?? []) {
      const other = owner.get(ref.path);
      if (other && other !== route.name) {
        throw isrError('DUPLICATE_OUTPUT', [`routes "${other}"`, `"${route.name}"`, 'produce', ref.path], {
          hint: 'make the patterns or their paths() distinct',
        });
      }
      owner.set(ref.path, route.name);
    }
  }
  return { listings, tags, failed };
}

async function listRoute(config: ResolvedConfig, route: ResolvedRoute, sources: SourceSet, now: number): Promise<Listing> {
  if (route.pattern.names.length === 0) {
    return { route: route.name, pages: [{ path: route.pattern.source, route: route.name, params: {} }], tags: [] };
  }
  const tags = new Set<string>();
  const add = (t: string) => void tags.add(t);
  const track = sources.trackerFor(add, `routes "${route.name}": paths()`);
  // Entries a source could not read stay in the listing: their pages fail on their own, the
  // others go on (sources/source-set.ts).
  const items = await route.paths!({ sources: sources.bind(add, { unreadable: 'keep' }), site: config.site, now: new Date(now), track });
  if (!Array.isArray(items)) {
    throw new IsrError('BAD_PARAMS', `routes "${route.name}": paths() returned ${typeof items}, expected an array of params or paths`, {
      hint: 'return e.g. [{ slug: "hello" }] or ["/blog/hello/"]',
    });
  }
  const seen = new Set<string>();
  const pages: PageRef[] = [];
  for (const item of items) {
    const ref = toRef(route, item);
    if (seen.has(ref.path)) continue;
    seen.add(ref.path);
    pages.push(ref);
  }
  return { route: route.name, pages, tags: [...tags].sort() };
}

function toRef(route: ResolvedRoute, item: unknown): PageRef {
  const bad = (why: string, hint = 'params may not be empty or contain "/", "\\" or ".."'): never => {
    throw new IsrError('BAD_PARAMS', `route "${route.name}": paths() gave ${JSON.stringify(item)}: ${why}`, { hint });
  };
  if (typeof item === 'string') {
    const params = route.pattern.match(item) ?? route.pattern.match(`${item}/`);
    if (!params) bad(`does not match the pattern ${route.pattern.source}`);
    return { path: route.pattern.fill(params!), route: route.name, params: params! };
  }
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return bad('expected a params object or a path string');
  const raw =
    (item as { params?: unknown }).params && typeof (item as { params?: unknown }).params === 'object'
      ? (item as { params: object }).params
      : item;
  const params: Params = {};
  for (const n of route.pattern.names) {
    const v = (raw as Record<string, unknown>)[n];
    // A rest param may come as its segments (`{ path: ['guides', 'install'] }`, as Next.js gives them).
    const restValue = n === route.pattern.rest ? restValueOf(v) : undefined;
    if (restValue !== undefined) params[n] = restValue;
    else if (typeof v === 'number') params[n] = String(v);
    else if (typeof v === 'string') params[n] = v;
    else bad(`param "${n}" is ${v === undefined ? 'missing' : typeof v}`);
  }
  try {
    return { path: route.pattern.fill(params), route: route.name, params };
  } catch (err) {
    if (err instanceof PatternError) return bad(err.message, err.hint);
    throw err;
  }
}
