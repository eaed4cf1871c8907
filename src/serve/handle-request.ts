/**
 * One request, from URL to response. The hot path for a cached page is: a map lookup of the raw
 * path, the manifest entry, the SWR decision, the bytes from memory; no parsing of the manifest,
 * no file system call. Everything slower (first resolution, disk, compression, rendering) is
 * async and happens once per file or page, not per request.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { stripBase, withBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type PageEntry, redirectOf } from '../manifest/manifest.js';
import type { ManifestSnapshot } from '../manifest/snapshot.js';
import type { Revalidate } from '../types.js';
import { cacheControl } from '../write/cache-control.js';
import { FallbackGate } from './fallback-gate.js';
import type { FileStore, ServedFile } from './file-store.js';
import { LIVE_PATH, type LiveReload } from './live-reload.js';
import type { ManifestOwner } from './manifest-owner.js';
import { maskUrl } from './mask-secret.js';
import type { MemoryCache } from './memory-cache.js';
import type { RegenQueue } from './regen-queue.js';
import { sendFile } from './send-file.js';
import { lookupPath, parseUrlPath } from './static-files.js';
import { type CacheState, decideSwr } from './swr.js';

export interface HandlerContext {
  config(): ResolvedConfig;
  realOutDir: string;
  clock: Clock;
  logger: Logger;
  /** The manifest: each request reads the snapshot current when it arrived, to the end. */
  state: ManifestOwner;
  store: FileStore;
  cache: MemoryCache;
  queue: RegenQueue;
  live?: LiveReload;
  /** The revalidation endpoint, when a secret is set. */
  webhook(): ((req: IncomingMessage, res: ServerResponse, query: string) => Promise<void>) | undefined;
  /** The webhook secret in use, kept out of every URL this module logs. */
  secret(): string | undefined;
  /**
   * Ask for one background regeneration of a page (deduplicated by the queue). `ifDue`: a page
   * served stale, rendered only if it is still due when the run reads the manifest.
   */
  regenerateInBackground(key: string, ifDue?: boolean): void;
}

/** What a raw request path (the site path, without the base) names, under the current manifest. */
type Target =
  | { kind: 'page'; key: string }
  | { kind: 'file'; rel: string }
  /** `to`: a site path (the base is added when sent). */
  | { kind: 'redirect'; to: string }
  | { kind: 'fallback'; key: string; route: string }
  | { kind: 'notFound' }
  | { kind: 'bad' };

/** The `x-isr-cache` of a response, kept for the access log (headers given to writeHead are not readable back). */
export const CACHE_STATE = Symbol('isrCacheState');
type Tagged = ServerResponse & { [CACHE_STATE]?: CacheState };

const STATIC_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** The query of an `asset()` URL: `v=` and a 16-character content hash. */
const VERSIONED_ASSET = /(?:^|&)v=[A-Za-z0-9_-]{16}(?:&|$)/;
const MAX_TARGETS = 20_000;
/** Retry-After (seconds) of a 503 for too many pending fallback renders. */
const PENDING_RETRY_AFTER_S = 5;

export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Raw path → target. Valid for one snapshot: any change (own run or another process) replaces
  // the snapshot, and the map is cleared on the next request.
  const targets = new Map<string, Target>();
  let targetsOf = ctx.state.snapshot;
  const gate = new FallbackGate(ctx);
  const cacheControls = new Map<Revalidate, string>();
  const pageCacheControl = (r: Revalidate) => {
    let v = cacheControls.get(r);
    if (v === undefined) cacheControls.set(r, (v = cacheControl(r)));
    return v;
  };

  async function resolve(raw: string, state: ManifestSnapshot): Promise<Target> {
    const parsed = parseUrlPath(raw);
    if (!parsed.ok) return parsed.status === 400 ? { kind: 'bad' } : { kind: 'notFound' };
    const p = parsed.path;
    if (state.page(p)) return { kind: 'page', key: p };
    const owner = state.ownerOf(p.slice(1));
    if (owner) return { kind: 'page', key: owner };
    // Directory pages are canonical with their trailing slash, file pages without one.
    if (!p.endsWith('/') && state.page(`${p}/`)) return { kind: 'redirect', to: `${raw}/` };
    if (p.length > 1 && p.endsWith('/') && state.page(p.slice(0, -1))) return { kind: 'redirect', to: raw.slice(0, -1) };
    const found = await lookupPath(ctx.config().outDir, ctx.realOutDir, parsed.segments);
    if (found?.kind === 'file') return { kind: 'file', rel: found.file.rel };
    if (found?.kind === 'dir') return { kind: 'redirect', to: `${raw}/` };
    for (const route of ctx.config().routes) {
      if (route.fallback !== 'blocking') continue;
      if (route.pattern.match(p)) return { kind: 'fallback', key: p, route: route.name };
      if (route.pattern.directory && !p.endsWith('/') && route.pattern.match(`${p}/`)) return { kind: 'redirect', to: `${raw}/` };
    }
    return { kind: 'notFound' };
  }

  function serve(req: IncomingMessage, res: Tagged, raw: string, query: string, t: Target, snap: ManifestSnapshot): void | Promise<void> {
    switch (t.kind) {
      case 'page':
        return servePage(req, res, raw, t.key, snap);
      case 'file':
        return serveStatic(req, res, raw, query, t.rel);
      case 'redirect': {
        const at = withBase(ctx.config().base, t.to);
        const to = query ? `${at}?${query}` : at;
        return text(req, res, 308, `Redirecting to ${to}\n`, { location: to, 'cache-control': STATIC_CACHE_CONTROL });
      }
      case 'fallback':
        return fallback(req, res, t.key, t.route);
      case 'bad':
        return text(req, res, 400, 'Bad Request\n');
      case 'notFound':
        return notFound(req, res, { 'cache-control': STATIC_CACHE_CONTROL });
    }
  }

  function servePage(req: IncomingMessage, res: Tagged, raw: string, key: string, snap: ManifestSnapshot): void | Promise<void> {
    const entry = snap.page(key);
    if (!entry) {
      targets.delete(raw);
      return notFound(req, res, { 'cache-control': STATIC_CACHE_CONTROL });
    }
    const d = decideSwr(entry, ctx.clock());
    if (d.action === 'render') return renderNow(req, res, key);
    if (d.action === 'fail') return failed(req, res, entry);
    res[CACHE_STATE] = d.cache;
    const headers: OutgoingHttpHeaders = { 'cache-control': pageCacheControl(entry.revalidate), 'x-isr-cache': d.cache };
    const sent = sendPage(req, res, key, entry, headers);
    if (!d.regenerate) return sent;
    // Once the stale bytes are in hand: a page not yet in memory is read from disk, and a
    // regeneration started first can publish before that read (its file calls are synchronous),
    // which would answer STALE with the new page.
    if (!(sent instanceof Promise)) ctx.regenerateInBackground(key, true);
    else
      void sent.then(
        () => ctx.regenerateInBackground(key, true),
        () => {},
      );
    return sent;
  }

  function sendPage(req: IncomingMessage, res: Tagged, key: string, entry: PageEntry, headers: OutgoingHttpHeaders): void | Promise<void> {
    if (entry.status === 'notFound' || !entry.file) return notFound(req, res, headers);
    const rel = entry.file;
    const send = (f: ServedFile | undefined) => {
      if (!f) {
        // Listed in the manifest but gone from disk (deleted by hand): render it again.
        ctx.logger.warn(`${key}: ${rel} is missing from the output folder; regenerating it`);
        ctx.regenerateInBackground(key);
        return notFound(req, res, headers);
      }
      const redirect = redirectOf(entry);
      if (redirect) {
        headers.location = withBase(ctx.config().base, redirect.destination);
        return sendFile(req, res, f, { status: redirect.permanent ? 308 : 307, headers, cache: ctx.cache });
      }
      return sendFile(req, res, f, { status: 200, headers, cache: ctx.cache });
    };
    const hot = ctx.store.peek(rel);
    if (hot) return send(hot);
    const got = ctx.store.get(rel);
    return got instanceof Promise ? got.then(send) : send(got);
  }

  function serveStatic(req: IncomingMessage, res: Tagged, raw: string, query: string, rel: string): void | Promise<void> {
    // A URL from `asset()` carries its content hash (?v=…): a changed file gets a new URL, so
    // that one may be cached for good. Without it, caches revalidate (ETag) every time.
    const headers: OutgoingHttpHeaders = { 'cache-control': VERSIONED_ASSET.test(query) ? IMMUTABLE_CACHE_CONTROL : STATIC_CACHE_CONTROL };
    const hot = ctx.store.peek(rel);
    if (hot) return sendFile(req, res, hot, { status: 200, headers, cache: ctx.cache });
    const got = ctx.store.get(rel);
    const send = (f: ServedFile | undefined): void | Promise<void> => {
      if (f) return sendFile(req, res, f, { status: 200, headers, cache: ctx.cache });
      // Gone since it was resolved: resolve the path afresh.
      targets.delete(raw);
      const now = ctx.state.snapshot;
      return resolve(raw, now).then((t) => (t.kind === 'file' ? notFound(req, res, headers) : serve(req, res, raw, query, t, now)));
    };
    return got instanceof Promise ? got.then(send) : send(got);
  }

  /**
   * An unknown path of a `fallback: 'blocking'` route: rendered while the request waits, if the
   * gate admits it (fallback-gate.ts): 404 past the route's on-demand cap, 503 while too many
   * renders are pending.
   */
  function fallback(req: IncomingMessage, res: Tagged, key: string, route: string): void | Promise<void> {
    const admitted = gate.admit(key, route);
    if (admitted === 'full') return notFound(req, res, { 'cache-control': STATIC_CACHE_CONTROL });
    if (admitted === 'busy') {
      res[CACHE_STATE] = 'ERROR';
      return text(req, res, 503, 'Too many pages are being rendered. Please try again shortly.\n', {
        'retry-after': String(PENDING_RETRY_AFTER_S),
        'cache-control': 'no-store',
      });
    }
    return renderNow(req, res, key, admitted.drop).finally(admitted.done);
  }

  /** First request for an unknown fallback path, or a page never built: render while it waits. */
  async function renderNow(req: IncomingMessage, res: Tagged, key: string, drop?: readonly string[]): Promise<void> {
    res[CACHE_STATE] = 'MISS';
    let failedNow = false;
    try {
      const out = await ctx.queue.request({ paths: [key], drop });
      // Failed with no entry recorded: its bad input aborted a run that went again without it.
      failedNow = out.failed.some((f) => f.path === key);
    } catch (err) {
      // The details (lock holder, file paths, upstream URLs) go to the log, not to the visitor.
      res[CACHE_STATE] = 'ERROR';
      ctx.logger.debug(`${key}: render for a waiting request failed: ${describeError(err)}`);
      return text(req, res, 500, 'This page could not be rendered. Please try again shortly.\n', {
        'x-isr-cache': 'ERROR',
        'cache-control': 'no-store',
      });
    }
    if (res.destroyed) return;
    // The snapshot the run left (this request's began before it).
    const entry = ctx.state.snapshot.page(key);
    if (!entry && failedNow) {
      res[CACHE_STATE] = 'ERROR';
      return text(req, res, 500, 'This page could not be rendered. Please try again shortly.\n', {
        'x-isr-cache': 'ERROR',
        'cache-control': 'no-store',
      });
    }
    if (!entry) return notFound(req, res, { 'x-isr-cache': 'MISS', 'cache-control': STATIC_CACHE_CONTROL });
    if (entry.status === 'error' && !entry.file) return failed(req, res, entry);
    return sendPage(req, res, key, entry, { 'cache-control': pageCacheControl(entry.revalidate), 'x-isr-cache': 'MISS' });
  }

  function failed(req: IncomingMessage, res: Tagged, entry: PageEntry): void {
    res[CACHE_STATE] = 'ERROR';
    const retry = Math.max(1, Math.ceil(((entry.retryAt ?? 0) - ctx.clock()) / 1000));
    text(req, res, 500, `This page could not be rendered. The next attempt is in ${retry} s.\n`, {
      'x-isr-cache': 'ERROR',
      'retry-after': String(retry),
      'cache-control': 'no-store',
    });
  }

  function notFound(req: IncomingMessage, res: Tagged, headers: OutgoingHttpHeaders): void | Promise<void> {
    const send = (f: ServedFile | undefined) =>
      f ? sendFile(req, res, f, { status: 404, headers, cache: ctx.cache }) : text(req, res, 404, 'Not Found\n', headers);
    const hot = ctx.store.peek('404.html');
    if (hot) return send(hot);
    const got = ctx.store.get('404.html');
    return got instanceof Promise ? got.then(send) : send(got);
  }

  /**
   * A request outside the base path: the home without it (`/`, and `/repo` for `/repo/`) is
   * redirected to the site, anything else is not found: a host serving the site under its base
   * (GitHub Pages) has nothing of it there, so neither has the preview.
   */
  function outsideBase(req: IncomingMessage, res: Tagged, requested: string, query: string, base: string): void | Promise<void> {
    if (requested !== '/' && requested !== base.slice(0, -1)) return notFound(req, res, { 'cache-control': STATIC_CACHE_CONTROL });
    const to = query ? `${base}?${query}` : base;
    // `/` is temporary (the base is config, and may change); `/repo` → `/repo/` is the usual slash.
    return text(req, res, requested === '/' ? 302 : 308, `Redirecting to ${to}\n`, { location: to, 'cache-control': STATIC_CACHE_CONTROL });
  }

  return (req, res: Tagged) => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const requested = qi < 0 ? url : url.slice(0, qi);
    const query = qi < 0 ? '' : url.slice(qi + 1);
    ctx.state.maybeCheck();
    // biome-ignore lint/complexity/noUselessUndefinedInitialization: TypeScript cannot see that every branch below assigns it.
    let work: void | Promise<void> = undefined;
    try {
      const { base, serve: so } = ctx.config();
      // The site path: what the manifest and outDir know (the base is the host's business).
      const raw = stripBase(base, requested);
      // The webhook at its path, or there under the base (for a proxy that forwards only the base).
      if (requested === so.revalidatePath || (base !== '/' && requested === withBase(base, so.revalidatePath))) {
        const webhook = ctx.webhook();
        if (webhook) work = webhook(req, res, query);
        else {
          // Off without a secret or verify hook: the endpoint does not exist, whatever the method.
          ctx.logger.debug(
            `${req.method} ${requested}: revalidation is off (set ISR_REVALIDATE_SECRET, serve.revalidateSecret or serve.verify)`,
          );
          work = notFound(req, res, { 'cache-control': STATIC_CACHE_CONTROL });
        }
      } else if (ctx.live && requested === LIVE_PATH) ctx.live.handle(req, res);
      else if (req.method !== 'GET' && req.method !== 'HEAD') text(req, res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
      else if (raw === undefined || (raw === '/' && requested !== base)) work = outsideBase(req, res, requested, query, base);
      else {
        const snap = ctx.state.snapshot;
        if (snap !== targetsOf) {
          targets.clear();
          targetsOf = snap;
        }
        const t = targets.get(raw);
        if (t) work = serve(req, res, raw, query, t, snap);
        else
          work = resolve(raw, snap).then((t) => {
            if ((t.kind === 'page' || t.kind === 'file' || t.kind === 'redirect') && targetsOf === snap) {
              if (targets.size >= MAX_TARGETS) targets.clear();
              targets.set(raw, t);
            }
            return serve(req, res, raw, query, t, snap);
          });
      }
    } catch (err) {
      work = Promise.reject(err);
    }
    if (work) work.catch((err) => internalError(ctx, req, res, err));
  };
}

function text(req: IncomingMessage, res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function internalError(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  ctx.logger.error(`${req.method} ${maskUrl(req.url ?? '', ctx.secret())}: ${describeError(err)}`);
  if (res.headersSent) res.destroy();
  else text(req, res, 500, 'Internal Server Error\n', { 'cache-control': 'no-store' });
}
