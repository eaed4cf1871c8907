/**
 * Response writing: the plain-text answers (404 with the site's 404.html when it has one, 500
 * for a page whose last render failed, errors), a page's bytes with its Cache-Control and
 * redirect, and the `x-isr-cache` state kept for the access log. Separate from handle-request.ts
 * (which decides what a request gets) and render-now.ts (rendering while a request waits), which
 * both answer through these.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { withBase } from '../config/base-path.js';
import { describeError } from '../errors.js';
import { type PageEntry, redirectOf } from '../manifest/manifest.js';
import type { Revalidate } from '../types.js';
import { cacheControl } from '../write/cache-control.js';
import type { ServedFile } from './file-store.js';
import type { HandlerContext } from './handle-request.js';
import { maskUrl } from './mask-secret.js';
import { sendFile } from './send-file.js';
import type { CacheState } from './swr.js';

/** The `x-isr-cache` of a response, kept for the access log (headers given to writeHead are not readable back). */
export const CACHE_STATE = Symbol('isrCacheState');
export type Tagged = ServerResponse & { [CACHE_STATE]?: CacheState };

export const STATIC_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface Responses {
  /** A page's Cache-Control for its `revalidate` (one string per value, made once). */
  pageCacheControl(r: Revalidate): string;
  /** A page's bytes (or its redirect), from memory when held; 404 for a `notFound` entry. */
  sendPage(req: IncomingMessage, res: Tagged, key: string, entry: PageEntry, headers: OutgoingHttpHeaders): void | Promise<void>;
  /** A page whose render failed and that has no last good bytes: 500 with the next attempt's time. */
  failed(req: IncomingMessage, res: Tagged, entry: PageEntry): void;
  /** 404: the site's 404.html when it has one, else a line of text. */
  notFound(req: IncomingMessage, res: Tagged, headers: OutgoingHttpHeaders): void | Promise<void>;
}

export function createResponses(ctx: HandlerContext): Responses {
  const cacheControls = new Map<Revalidate, string>();
  const pageCacheControl = (r: Revalidate) => {
    let v = cacheControls.get(r);
    if (v === undefined) cacheControls.set(r, (v = cacheControl(r)));
    return v;
  };

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

  return { pageCacheControl, sendPage, failed, notFound };
}

export function text(req: IncomingMessage, res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders = {}): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function internalError(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, err: unknown): void {
  ctx.logger.error(`${req.method} ${maskUrl(req.url ?? '', ctx.secret())}: ${describeError(err)}`);
  if (res.headersSent) res.destroy();
  else text(req, res, 500, 'Internal Server Error\n', { 'cache-control': 'no-store' });
}
