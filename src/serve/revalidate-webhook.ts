/**
 * On-demand revalidation: `POST <serve.revalidatePath>` with a secret (or a request `serve.verify`
 * accepts, such as a CMS's signature), naming paths or tags (or a CMS payload that `serve.webhook`
 * maps to them; webhooks/map-payload.ts, shared with `isr regen --payload`). Answers once the
 * regeneration is done, with what it rendered, wrote, removed and what failed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BasePath, stripBase } from '../config/base-path.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { yieldTurn } from '../time-slice.js';
import type { WebhookMapper, WebhookRequest, WebhookVerify } from '../types.js';
import { MAX_PAYLOAD_BYTES, type Mapped, mapPayload, parsePayload, topicOf, verifyCall } from '../webhooks/map-payload.js';
import { secretParam } from './mask-secret.js';
import type { RegenOutcome } from './regen-queue.js';

/** Largest request body read; a larger one gets a 413 and the rest is not read. */
export const MAX_BODY_BYTES = MAX_PAYLOAD_BYTES;

export interface WebhookOptions {
  /** The shared secret (ISR_REVALIDATE_SECRET or serve.revalidateSecret), if one is set. */
  secret?: string;
  /** `serve.verify`: accepts a call that lacks the shared secret (a CMS's signature). */
  verify?: WebhookVerify;
  /** `serve.webhook`: map a payload that names no path or tag (e.g. from Contentful). */
  map?: WebhookMapper;
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
  /** The server's clock (epoch ms), for a signature's timestamp tolerance. */
  now(): number;
  logger: Logger;
}

export function createWebhook(o: WebhookOptions): (req: IncomingMessage, res: ServerResponse, query: string) => Promise<void> {
  const expected = o.secret === undefined ? undefined : digest(o.secret);
  return async (req, res, query) => {
    if (req.method !== 'POST') return json(res, 405, { error: 'use POST' }, { allow: 'POST' });
    const given = secretOf(req, query);
    const bySecret = expected !== undefined && given !== undefined && timingSafeEqual(digest(given), expected);
    // Without a verify hook, a call without the secret is refused before its body is read.
    if (!bySecret && !o.verify) return json(res, 401, { error: 'missing or wrong secret' });

    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) return tooLarge(res);
    const body = await readBody(req, MAX_BODY_BYTES).catch(() => undefined);
    if (body === undefined) return; // the client went away
    if (body === 'tooLarge') return tooLarge(res);

    const headers = headersOf(req);
    const request: WebhookRequest = {
      method: req.method,
      path: req.url ?? '/',
      headers,
      topic: topicOf(headers),
      body: body.toString('utf8'),
      now: o.now(),
    };
    let mapped: Mapped;
    try {
      if (!bySecret) await verifyCall(o.verify!, request);
      mapped = await mapPayload(parsePayload(request.body), request, o);
    } catch (err) {
      // By code, not class: a user's config may load its own copy of isr (the package, while this
      // server runs from source in a test) and throw that copy's IsrError.
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'PAYLOAD_UNVERIFIED') {
        // A caller that sent a secret meant to use it: say that first, not only the signature's story.
        const why = given === undefined ? (err as Error).message : `wrong secret, and ${(err as Error).message}`;
        o.logger.debug(`revalidate refused: ${why}`);
        return json(res, 401, { error: why });
      }
      if (code === 'PAYLOAD_INVALID')
        return json(res, 400, { error: (err as { toLine?: () => string }).toLine?.() ?? (err as Error).message });
      o.logger.error(`revalidate: serve.webhook() threw: ${describeError(err)}`);
      return json(res, 500, { error: `serve.webhook() threw: ${describeError(err)}` });
    }
    if ('ignored' in mapped) {
      // 2xx: a CMS logs any other answer as a failed delivery, and retries it. A debug line only:
      // Contentful sends an auto_save every few seconds while someone types.
      o.logger.debug(`revalidate: ignored ${request.topic ?? 'a payload'}${mapped.reason ? ` (${mapped.reason})` : ''}; nothing to render`);
      return json(res, 200, { ok: true, ignored: true, ...(mapped.reason ? { reason: mapped.reason } : {}) });
    }
    const checked = o.base === '/' ? mapped : { paths: mapped.paths.map((p) => stripBase(o.base, p) ?? p), tags: mapped.tags };

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

/** The request's headers as one string each (Node gives arrays only for a few, e.g. set-cookie). */
function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
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
