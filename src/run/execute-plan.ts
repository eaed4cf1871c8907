import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withBase } from '../config/base-path.js';
import type { ResolvedConfig, ResolvedRoute } from '../config/resolve-config.js';
import { abortsRun, describeError, InternalError } from '../errors.js';
import { hash } from '../hash.js';
import type { Logger } from '../logger.js';
import type { Manifest, PageEntry } from '../manifest/manifest.js';
import { loadPage } from '../pages/load-page.js';
import { nextRetryAt } from '../plan/page-rules.js';
import type { PlannedPage, Reason } from '../plan/plan-regen.js';
import type { Renderer } from '../render/renderer.js';
import { outputFileFor } from '../routes/pattern.js';
import type { SourceSet } from '../sources/source-set.js';
import { yieldTurn } from '../time-slice.js';
import type { LoadReason } from '../types.js';
import { redirectStub } from '../write/site-files.js';
import type { Stage } from '../write/stage.js';
import { boundHeapGrowth, LARGE_RUN_PAGES } from './heap.js';

export interface ExecuteResult {
  /** URL paths loaded and rendered successfully (including unchanged ones). */
  rendered: string[];
  /** Files staged because their bytes changed (outDir-relative). */
  written: string[];
  /** Files rendered to identical bytes: not rewritten. */
  unchanged: string[];
  /** Files of pages that became notFound (to delete after the manifest is written). */
  removed: string[];
  failed: { path: string; error: string }[];
}

export interface ExecuteContext {
  config: ResolvedConfig;
  renderer: Renderer;
  sources: SourceSet;
  stage: Stage;
  /** The manifest being built for this run; entries are replaced in place. */
  manifest: Manifest;
  now: number;
  logger: Logger;
  /** Paths built because they were named rather than listed (see PageEntry.onDemand). */
  onDemand: ReadonlySet<string>;
  /** How long one load() may take (default load-page.ts LOAD_TIMEOUT_MS). */
  loadTimeoutMs?: number;
  /**
   * A site in an object store, where there are no published bytes at hand to compare with:
   * `manifest`, a page is unchanged when its entry's outputHash and file say so; `nothing`, every
   * rendered page is written (after a lease taken over from a run that died: its objects may be
   * newer than their entries). Absent: the bytes on disk decide, as always on the file system.
   */
  compare?: 'manifest' | 'nothing';
  /** The store version a put of these bytes will get (Store.versionOf), recorded in the entry. */
  versionOf?: (body: string) => string;
}

/**
 * Load → render → stage, page by page, with bounded concurrency. Each page's HTML goes straight
 * to its temp file, so memory holds only the pages in flight. Page failures are recorded and the
 * run goes on; input errors (bad loader output, bad params) and write failures (full disk) are
 * rethrown so the caller aborts.
 */
export async function executePlan(ctx: ExecuteContext, pages: readonly PlannedPage[]): Promise<ExecuteResult> {
  const { config, manifest } = ctx;
  if (pages.length >= LARGE_RUN_PAGES) boundHeapGrowth();
  const routes = new Map(config.routes.map((r) => [r.name, r]));
  const result: ExecuteResult = { rendered: [], written: [], unchanged: [], removed: [], failed: [] };
  let done = 0;
  let aborted: unknown;

  const one = async (page: PlannedPage) => {
    if (aborted) return;
    const route = routes.get(page.route)!;
    const prev = manifest.pages[page.path];
    try {
      const entry = await buildPage(ctx, route, page, prev, result);
      if (ctx.onDemand.has(page.path) || prev?.onDemand) entry.onDemand = true;
      manifest.pages[page.path] = entry;
      result.rendered.push(page.path);
    } catch (err) {
      if (abortsRun(err)) {
        aborted ??= err;
        if (err === aborted) abortedBy.set(err, page.path);
        return;
      }
      if (err instanceof InternalError) throw err;
      const error = `${page.path}: ${describeError(err)}`;
      result.failed.push({ path: page.path, error });
      const attempts = (prev?.attempts ?? 0) + 1;
      const revalidate = prev?.revalidate ?? route.revalidate;
      manifest.pages[page.path] = {
        ...(prev ?? { route: route.name, builtAt: 0, changedAt: 0, revalidate }),
        ...(Object.keys(page.params).length ? { params: page.params } : {}),
        status: 'error',
        error: describeError(err),
        attempts,
        retryAt: nextRetryAt(ctx.now, attempts, revalidate),
      };
      if (!prev && ctx.onDemand.has(page.path)) manifest.pages[page.path]!.onDemand = true;
    } finally {
      done++;
      if (done % 200 === 0 || done === pages.length) ctx.logger.progress(`rendering ${done}/${pages.length}`);
    }
  };

  // `concurrency` workers pulling the next page: memory is O(concurrency), not one pending promise
  // and closure per page up front (100k of them at 100k pages). p-limit, which queues them so, was
  // measured against this for issue 17: a 20k build peaked 26 MB higher, no faster (BENCHMARKS.md).
  let next = 0;
  // Between pages the event loop gets a turn once a slice is used up: inside `isr serve`, requests
  // are answered while a large run renders (time-slice.ts).
  const worker = async () => {
    while (next < pages.length) {
      await one(pages[next++]!);
      await yieldTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, pages.length) }, worker));
  if (aborted) throw aborted;
  await yieldTurn();

  // Pages rendered in this run carry the closure hash of their template as it is now (after the
  // run observed every layout/partial the renders used).
  const closures = new Map<string, string>();
  let n = 0;
  for (const p of result.rendered) {
    if (++n % 2048 === 0) await yieldTurn();
    const entry = manifest.pages[p]!;
    if (entry.status !== 'ok') continue;
    const template = routes.get(entry.route)!.template;
    let h = closures.get(template);
    if (!h) closures.set(template, (h = ctx.renderer.closureHash(template)));
    entry.templateHash = h;
  }
  ctx.logger.done();
  return result;
}

// The page whose error aborted a run, for a caller that can run again without it (isr serve).
const abortedBy = new WeakMap<object, string>();

/** The URL path of the page whose input error (or write failure) `err` aborted a run with, if any. */
export function pageThatAborted(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? abortedBy.get(err) : undefined;
}

/** The one reason `load()` is told, from the planner's (see types.ts#LoadReason for the order). */
export function loadReason(reasons: readonly Reason[], firstOnDemand: boolean): LoadReason {
  const named = reasons.some((r) => r === 'path' || r === 'tag' || r === 'route' || r === 'all');
  if (named) return firstOnDemand ? 'fallback' : 'on-demand';
  for (const r of ['changed', 'template-changed', 'config-changed', 'retry', 'expired', 'new'] as const) if (reasons.includes(r)) return r;
  return 'build';
}

async function buildPage(
  ctx: ExecuteContext,
  route: ResolvedRoute,
  page: PlannedPage,
  prev: PageEntry | undefined,
  result: ExecuteResult,
): Promise<PageEntry> {
  const { now } = ctx;
  const reason = loadReason(page.reasons, ctx.onDemand.has(page.path));
  const loaded = await loadPage(ctx.config, route, page, ctx.sources, now, reason, ctx.loadTimeoutMs);
  const base = {
    route: route.name,
    ...(Object.keys(page.params).length ? { params: page.params } : {}),
    builtAt: now,
    revalidate: loaded.revalidate,
    ...(loaded.tags.length ? { tags: loaded.tags } : {}),
  };
  if (loaded.kind === 'notFound') {
    if (prev?.file) result.removed.push(prev.file);
    return { ...base, changedAt: now, status: 'notFound' };
  }
  const file = outputFileFor(page.path, route.pattern.directory);
  let body: string;
  let extra: Partial<PageEntry>;
  if (loaded.kind === 'redirect') {
    // The manifest keeps the destination as load() gave it; the stub, read by browsers, is public.
    body = redirectStub(withBase(ctx.config.base, loaded.destination));
    extra = { status: 'redirect', redirect: { destination: loaded.destination, permanent: loaded.permanent } };
  } else {
    body = ctx.renderer.render(route, loaded.props, { path: page.path, route: route.name, params: page.params, now });
    extra = { status: 'ok', dataHash: loaded.dataHash };
  }
  const outputHash = hash(body);
  // "Unchanged" is judged against the bytes on disk, not only the manifest: after a crash between
  // publishing and writing the manifest, the file can be newer than its entry says. A page the
  // manifest does not know is compared with the disk too (a build over an identical output folder
  // after `rm -rf .isr`, whose `written` would otherwise make a deploy upload everything again),
  // except in a first build staged whole, whose output folder is empty.
  const out = path.join(ctx.config.outDir, file);
  const same = ctx.compare
    ? ctx.compare === 'manifest' && prev?.outputHash === outputHash && prev.file === file
    : prev
      ? prev.outputHash === outputHash && prev.file === file && (await sameBytes(out, body))
      : !ctx.stage.wholeFolder && (await sameBytes(out, body));
  if (same) result.unchanged.push(file);
  else {
    await ctx.stage.stage(file, body, prev?.file === file);
    result.written.push(file);
  }
  if (prev?.file && prev.file !== file) result.removed.push(prev.file);
  const version = ctx.versionOf ? { version: ctx.versionOf(body) } : {};
  return { ...base, file, changedAt: same ? (prev?.changedAt ?? now) : now, outputHash, ...version, ...extra } as PageEntry;
}

async function sameBytes(file: string, body: string): Promise<boolean> {
  try {
    // Synchronous for the same reason as Stage's writes: microseconds, no thread-pool round trip.
    return readFileSync(file).equals(Buffer.from(body));
  } catch {
    return false;
  }
}
