import type { ResolvedConfig, ResolvedRoute } from '../config/resolve-config.js';
import { nearest } from '../did-you-mean.js';
import { IsrError, isrError } from '../errors.js';
import { findNonJson, hash, stableStringify } from '../hash.js';
import type { PageRef } from '../plan/plan-regen.js';
import type { SourceSet } from '../sources/source-set.js';
import type { LoadReason, LoadResult, Revalidate } from '../types.js';

/** A page's data, ready to render (or the decision not to). */
export type LoadedPage =
  | { kind: 'page'; props: Record<string, unknown>; revalidate: Revalidate; tags: string[]; dataHash: string }
  | { kind: 'notFound'; revalidate: Revalidate; tags: string[] }
  | { kind: 'redirect'; destination: string; permanent: boolean; revalidate: Revalidate; tags: string[] };

/** Milliseconds a `load()` may take before the page counts as failed, unless the run says
 * otherwise (`RunOptions.loadTimeoutMs`: the commands' ISR_LOAD_TIMEOUT_MS). */
export const LOAD_TIMEOUT_MS = 60_000;

/**
 * Call the route's `load()` for one page (never for all pages: regen of one path stays cheap),
 * validate what it returns, and work out the page's tags: those its sources tracked, those it
 * returned, and the tags of every source entry found in its props (what a listing page shows).
 */
export async function loadPage(
  config: ResolvedConfig,
  route: ResolvedRoute,
  ref: PageRef,
  sources: SourceSet,
  now: number,
  reason: LoadReason = 'build',
  timeoutMs = LOAD_TIMEOUT_MS,
): Promise<LoadedPage> {
  const tags = new Set<string>();
  const add = (t: string) => void tags.add(t);
  const track = sources.trackerFor(add, `route "${route.name}": load() for ${ref.path}`);
  let result: LoadResult | undefined;
  if (route.load) {
    const call = Promise.resolve(
      route.load({
        params: ref.params,
        path: ref.path,
        sources: sources.bind(add),
        site: config.site,
        now: new Date(now),
        track,
        reason,
      }),
    );
    result = await withTimeout(call, timeoutMs, `load() of ${ref.path} did not finish within ${timeoutMs} ms`);
    if (result === undefined || result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new IsrError(
        'BAD_LOAD_RESULT',
        `route "${route.name}": load() for ${ref.path} returned ${describe(result)}, expected an object such as { props }`,
        {
          hint: 'return { props: {...} }, { notFound: true } or { redirect: "/elsewhere/" }',
        },
      );
    }
  }
  const r = result ?? {};
  checkResultKeys(route.name, ref.path, r);
  const revalidate = r.revalidate ?? route.revalidate;
  if (revalidate !== false && !(typeof revalidate === 'number' && revalidate >= 1)) {
    throw new IsrError(
      'BAD_LOAD_RESULT',
      `route "${route.name}": load() for ${ref.path} returned revalidate ${JSON.stringify(revalidate)}, expected seconds >= 1 or false`,
    );
  }
  if (r.tags !== undefined) {
    if (!Array.isArray(r.tags) || r.tags.some((t) => typeof t !== 'string')) {
      throw new IsrError('BAD_LOAD_RESULT', `route "${route.name}": load() for ${ref.path} returned tags that are not an array of strings`);
    }
    for (const t of r.tags) tags.add(t);
  }
  if (r.notFound) return { kind: 'notFound', revalidate, tags: [...tags].sort() };
  if (r.redirect !== undefined) {
    const dest = typeof r.redirect === 'string' ? r.redirect : r.redirect?.destination;
    if (typeof dest !== 'string' || !/^(\/|https?:\/\/)/.test(dest)) {
      throw new IsrError(
        'BAD_LOAD_RESULT',
        `route "${route.name}": load() for ${ref.path} returned a redirect without a "/path" or http(s) destination`,
      );
    }
    const permanent = typeof r.redirect === 'object' && Boolean(r.redirect.permanent);
    return { kind: 'redirect', destination: dest, permanent, revalidate, tags: [...tags].sort() };
  }
  const props = r.props ?? {};
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    throw new IsrError(
      'BAD_LOAD_RESULT',
      `route "${route.name}": load() for ${ref.path} returned props of type ${describe(props)}, expected an object`,
    );
  }
  // One walk over the props both hashes them and finds the source entries they contain.
  let json: string | undefined;
  try {
    json = stableStringify(props, (v) => {
      const t = sources.tagOf(v);
      if (t) tags.add(t);
    });
  } catch (err) {
    const at = findNonJson(props, 'props');
    if (!at) throw err;
    throw isrError('BAD_PROPS', [route.name, ref.path, at.path, at.problem]);
  }
  return { kind: 'page', props: props as Record<string, unknown>, revalidate, tags: [...tags].sort(), dataHash: hash(json ?? '') };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new IsrError('LOAD_FAILED', message, { hint: 'a data source is hanging; the last good page is kept' })),
      ms,
    );
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a load() result may hold (types.ts#LoadResult). */
const RESULT_KEYS = ['props', 'notFound', 'redirect', 'revalidate', 'tags'];

/**
 * An unknown key is most likely a typo (`{ prop: … }`, `{ notfound: true }`): accepted silently,
 * the page would render with empty props, or be published when it should be gone.
 */
function checkResultKeys(routeName: string, pagePath: string, r: object): void {
  for (const k of Object.keys(r)) {
    if (RESULT_KEYS.includes(k)) continue;
    const near = nearest(k, RESULT_KEYS);
    throw new IsrError(
      'BAD_LOAD_RESULT',
      `route "${routeName}": load() for ${pagePath} returned an unknown key "${k}" (known: ${RESULT_KEYS.join(', ')})`,
      {
        hint: near ? `did you mean "${near}"?` : 'remove it, or put it under props',
      },
    );
  }
}
