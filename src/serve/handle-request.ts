/**
 * One request, from URL to response. The hot path for a cached page is: a map lookup of the raw
 * path, the manifest entry, the SWR decision, the bytes from memory; no parsing of the manifest,
 * no file system call. Everything slower (first resolution, disk, compression, rendering) is
 * async and happens once per file or page, not per request.
 *
 * This file dispatches (the webhook, live reload, methods, the base path), caches each path's
 * target per manifest snapshot and serves pages (the SWR decision) and static files. What a path
 * names is resolve-target.ts, writing the answers responses.ts, rendering while a request waits
 * render-now.ts.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { stripBase, withBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { ManifestSnapshot } from '../manifest/snapshot.js';
import type { FileStore, ServedFile } from './file-store.js';
import { LIVE_PATH, type LiveReload } from './live-reload.js';
import type { ManifestOwner } from './manifest-owner.js';
import type { MemoryCache } from './memory-cache.js';
import type { RegenQueue } from './regen-queue.js';
import { createRenderNow } from './render-now.js';
import { resolveTarget, type Target } from './resolve-target.js';
import {
  CACHE_STATE,
  createResponses,
  IMMUTABLE_CACHE_CONTROL,
  internalError,
  STATIC_CACHE_CONTROL,
  type Tagged,
  text,
} from './responses.js';
import { sendFile } from './send-file.js';
import { decideSwr } from './swr.js';

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

/** The query of an `asset()` URL: `v=` and a 16-character content hash. */
const VERSIONED_ASSET = /(?:^|&)v=[A-Za-z0-9_-]{16}(?:&|$)/;
const MAX_TARGETS = 20_000;

/** Where the access log (access-log.ts) finds a response's cache state; it lives in responses.ts. */
export { CACHE_STATE };

export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Raw path → target. Valid for one snapshot: any change (own run or another process) replaces
  // the snapshot, and the map is cleared on the next request.
  const targets = new Map<string, Target>();
  let targetsOf = ctx.state.snapshot;
  const resolve = (raw: string, state: ManifestSnapshot) => resolveTarget(ctx, raw, state);
  const { pageCacheControl, sendPage, failed, notFound } = createResponses(ctx);
  const { fallback, renderNow } = createRenderNow(ctx, { pageCacheControl, sendPage, failed, notFound });

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
