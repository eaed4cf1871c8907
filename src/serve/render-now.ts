/**
 * Rendering while a request waits: the first request for an unknown path of a
 * `fallback: 'blocking'` route (admitted by fallback-gate.ts: 404 past the route's on-demand cap,
 * 503 while too many renders are pending), and a page that is due but was never built. Separate
 * from handle-request.ts because it is the one place a request waits on the regeneration queue.
 */
import type { IncomingMessage } from 'node:http';
import { describeError } from '../errors.js';
import { FallbackGate } from './fallback-gate.js';
import type { HandlerContext } from './handle-request.js';
import { CACHE_STATE, type Responses, STATIC_CACHE_CONTROL, type Tagged, text } from './responses.js';

/** Retry-After (seconds) of a 503 for too many pending fallback renders. */
const PENDING_RETRY_AFTER_S = 5;

export interface RenderNow {
  /** An unknown path of a `fallback: 'blocking'` route: rendered while the request waits, if the gate admits it. */
  fallback(req: IncomingMessage, res: Tagged, key: string, route: string): void | Promise<void>;
  /** First request for an unknown fallback path, or a page never built: render while it waits. */
  renderNow(req: IncomingMessage, res: Tagged, key: string, drop?: readonly string[]): Promise<void>;
}

export function createRenderNow(ctx: HandlerContext, { pageCacheControl, sendPage, failed, notFound }: Responses): RenderNow {
  const gate = new FallbackGate(ctx);

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

  return { fallback, renderNow };
}
