/**
 * On-demand revalidation: `POST <serve.revalidatePath>` with a secret, naming paths or tags (or a
 * CMS payload that `serve.webhook` maps to them). Answers once the regeneration is done, with
 * what it rendered, wrote, removed and what failed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BasePath, stripBase } from '../config/base-path.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { checkNamedPath } from '../plan/plan-regen.js';
import { yieldTurn } from '../time-slice.js';
import type { RevalidateTarget } from '../types.js';
import { secretParam } from './mask-secret.js';
import type { RegenOutcome } from './regen-queue.js';

/** Largest request body read; a larger one gets a 413 and the rest is not read. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookOptions {
  /** The shared secret (ISR_REVALIDATE_SECRET or serve.revalidateSecret). */
  secret: string;
  /** `serve.webhook`: map a payload that names no path or tag (e.g. from Contentful). */
  map?: (payload: unknown) => RevalidateTarget | undefined | Promise<RevalidateTarget | undefined>;
  revalidate(target: { paths: string[]; tags: string[] }): Promise<RegenOutcome>;
  /** Most paths and tags one call may name (`serve.maxRevalidatePaths`, `serve.maxRevalidateTags`). */
  maxPaths: number;
  maxTags: number;
  /**
   * The site's base path. A CMS may send public paths (`/repo/blog/x/`, what it links to) or page
   * paths (`/blog/x/`): a path under the base is taken as public and the base comes off, any
   * other as a page path.
   */
  base: BasePath;
  logger: Logger;
}

export function createWebhook(o: WebhookOptions): (req: IncomingMessage, res: ServerResponse, query: string) => Promise<void> {
  const expected = digest(o.secret);
  return async (req, res, query) => {
    if (req.method !== 'POST') return json(res, 405, { error: 'use POST' }, { allow: 'POST' });
    const given = secretOf(req, query);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) return json(res, 401, { error: 'missing or wrong secret' });

    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) return tooLarge(res);
    const body = await readBody(req, MAX_BODY_BYTES).catch(() => undefined);
    if (body === undefined) return; // the client went away
    if (body === 'tooLarge') return tooLarge(res);

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return json(res, 400, { error: `body is not valid JSON: ${(err as Error).message}` });
    }
    let target: RevalidateTarget | undefined;
    try {
      target = direct(payload) ?? (o.map ? await o.map(payload) : undefined);
    } catch (err) {
      o.logger.error(`revalidate: serve.webhook() threw: ${describeError(err)}`);
      return json(res, 500, { error: `serve.webhook() threw: ${describeError(err)}` });
    }
    const named = checkTarget(target, Boolean(o.map), o);
    if ('error' in named) return json(res, 400, { error: named.error });
    const checked = o.base === '/' ? named : { paths: named.paths.map((p) => stripBase(o.base, p) ?? p), tags: named.tags };

    try {
      const out = await o.revalidate(checked);
      await yieldTurn(); // the answer of a big run is large: other requests first (time-slice.ts)
      // One line per call: when pages were rendered or removed, the run's own line ("regenerated
      // …") has said so, and a second line is a sync write of stderr on every webhook. A call
      // that changed nothing (an unknown tag, failures) is never silent.
      const line = `revalidate ${[...checked.paths, ...checked.tags.map((t) => `tag:${t}`)].join(' ')}: ${out.rendered.length} rendered, ${out.failed.length} failed`;
      if (out.rendered.length > 0 || out.removed.length > 0) o.logger.debug(line);
      else o.logger.info(line);
      return json(res, 200, answerOf(out));
    } catch (err) {
      o.logger.error(`revalidate failed: ${describeError(err)}`);
      return json(res, 500, { error: describeError(err) });
    }
  };
}

/**
 * The 200 answer for an outcome, serialized once: the callers merged into one run share its
 * outcome (regen-queue.ts), and a 20k-page run's answer is ~1.5 MB of JSON (~5 ms each).
 */
function answerOf(out: RegenOutcome): Serialized {
  let body = ANSWERS.get(out);
  if (!body) {
    body = new Serialized(
      JSON.stringify({
        ok: out.failed.length === 0 && out.errors.length === 0,
        rendered: out.rendered,
        written: out.written,
        removed: out.removed,
        failed: out.failed,
        errors: out.errors,
        unmatchedTags: out.unmatchedTags,
        durationMs: Math.round(out.durationMs),
      }),
    );
    ANSWERS.set(out, body);
  }
  return body;
}
const ANSWERS = new WeakMap<RegenOutcome, Serialized>();

/** JSON text already made (`json` sends it as it is). */
class Serialized {
  constructor(readonly text: string) {}
}

/**
 * The secret from `Authorization: Bearer`, `x-isr-secret` or `?secret=`, in that order. The query
 * parameter's name must be exactly `secret` (not `SECRET`, not `%73ecret`): one spelling, which
 * the access log masks along with every other spelling (see mask-secret.ts).
 */
function secretOf(req: IncomingMessage, query: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^\s*Bearer\s+(.+?)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const h = req.headers['x-isr-secret'];
  if (typeof h === 'string') return h;
  if (query) return secretParam(query);
  return undefined;
}

/** Fixed-length digests, so the comparison's time says nothing about the secret or its length. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** `{ path }`, `{ paths }`, `{ tag }`, `{ tags }` in any mix, or undefined when none is there. */
function direct(payload: unknown): RevalidateTarget | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  if (!('path' in p || 'paths' in p || 'tag' in p || 'tags' in p)) return undefined;
  const list = (one: unknown, many: unknown) => [
    ...(one === undefined ? [] : [one]),
    ...(Array.isArray(many) ? many : many === undefined ? [] : [many]),
  ];
  return { paths: list(p.path, p.paths) as string[], tags: list(p.tag, p.tags) as string[] };
}

function checkTarget(
  t: RevalidateTarget | undefined,
  mapped: boolean,
  max: { maxPaths: number; maxTags: number },
): { paths: string[]; tags: string[] } | { error: string } {
  const none = mapped
    ? 'serve.webhook() named no path or tag for this payload'
    : 'expected a JSON body such as {"path": "/blog/x/"}, {"paths": [...]}, {"tag": "t"} or {"tags": [...]}';
  if (!t || typeof t !== 'object') return { error: none };
  const paths = t.paths ?? [];
  const tags = t.tags ?? [];
  if (!Array.isArray(paths) || !Array.isArray(tags)) return { error: '"paths" and "tags" must be arrays of strings' };
  // Before any other look at the lists: a call's cost is bounded before it is read item by item.
  if (paths.length > max.maxPaths) {
    return {
      error: `names ${paths.length} paths; at most ${max.maxPaths} per call (serve.maxRevalidatePaths): split it into several calls, or name a tag`,
    };
  }
  if (tags.length > max.maxTags)
    return { error: `names ${tags.length} tags; at most ${max.maxTags} per call (serve.maxRevalidateTags): split it into several calls` };
  for (const p of paths) {
    if (typeof p !== 'string') return { error: `path ${JSON.stringify(p)} is not a string` };
    const problem = checkNamedPath(p);
    if (problem) return { error: `path ${JSON.stringify(p)} ${problem}` };
  }
  for (const tag of tags) if (typeof tag !== 'string' || !tag) return { error: `tag ${JSON.stringify(tag)} is not a non-empty string` };
  if (!paths.length && !tags.length) return { error: none };
  return { paths, tags };
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'tooLarge'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        cleanup();
        // Stop reading: nothing more is buffered, and the connection is closed after the 413.
        req.pause();
        resolve('tooLarge');
      } else chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      if (!req.complete) onError(new Error('aborted'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(res: ServerResponse): void {
  json(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = `${body instanceof Serialized ? body.text : JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
