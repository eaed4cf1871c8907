/**
 * CDN purge after a publish: the seam every provider adapter (cloudfront.ts, cloudflare.ts,
 * fastly.ts) is written against. An adapter turns the public URL paths a run changed into the
 * provider's HTTP requests (pure, so `--dry-run` prints exactly what would be sent) and adds its
 * credentials from the environment only when sending. Credentials are never in the config, never
 * in a log line, and only ever sent to the adapter's own endpoint (redirects are not followed).
 */
import { withBase } from '../config/base-path.js';
import { IsrError, oneLine } from '../errors.js';
import type { ChangeSet } from '../types.js';

/** The environment credentials are read from (`process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

/** One HTTP request of a purge, before credentials are added. */
export interface PurgeRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  /** What it purges, for the log and `--dry-run` ("3 URLs", "everything under /docs/"). */
  what: string;
}

/** What a purge is asked for. */
export interface PurgeInput {
  /** Public URL paths (base path included, percent-encoded) of the files the runs changed, sorted. */
  paths: string[];
  /** The site's URL without its final "/" (`https://example.com/docs`), when `site.url` is set. */
  siteUrl?: string;
  /** The base path (`/docs/`), the prefix a wildcard purge covers. */
  base: string;
  /** The run's clock (epoch ms): signatures and CloudFront's CallerReference. */
  now: number;
}

/** A CDN to purge: `purge: cloudfront({ distributionId })` in the config. */
export interface PurgeTarget {
  /** The provider, as logs name it. */
  readonly provider: string;
  /** Environment variables that must be set (checked before a run starts). */
  readonly env: readonly string[];
  /** Most time one request may take, in ms. */
  readonly timeoutMs: number;
  /** What the config lacks for this adapter (e.g. `site.url`), or undefined. */
  check?(input: { siteUrl?: string }): string | undefined;
  /** The requests for these paths, without credentials. */
  requests(input: PurgeInput): PurgeRequest[];
  /** The credential headers for one request (from `env`). */
  authorize(req: PurgeRequest, env: Env, now: number): Record<string, string>;
  /** Whether a 2xx answer really succeeded (Cloudflare answers `success: false` in a 200). */
  succeeded?(status: number, body: string): boolean;
  /** Requests to send instead of one the provider refused (CloudFront's wildcard), if any. */
  instead?(req: PurgeRequest, status: number, body: string, input: PurgeInput): PurgeRequest[] | undefined;
}

/** Site files that are host configuration, not URLs a CDN caches. */
const NOT_URLS = new Set(['_headers', '_redirects']);

/**
 * The public URL paths of changed files: a page's `x/index.html` is its URL `/x/` (the one links
 * and the sitemap give, so the one a CDN cached), any other file its own path; the base path in
 * front. Sorted, without duplicates.
 */
export function purgePaths(changes: ChangeSet, base: string): string[] {
  const paths = new Set<string>();
  for (const file of [...changes.written, ...changes.removed]) {
    if (NOT_URLS.has(file)) continue;
    const url = file === 'index.html' ? '' : file.endsWith('/index.html') ? file.slice(0, -'index.html'.length) : file;
    // Encoded as sitemap.xml and the links give it (encodeURI): the URL a CDN cached.
    paths.add(withBase(base, encodeURI(`/${url}`)));
  }
  return [...paths].sort();
}

/** The site URL without its final "/" (`https://example.com/docs`), as purge-by-URL needs it. */
export function siteUrlOf(url: string | undefined, base: string): string | undefined {
  return url ? new URL(base, url).href.slice(0, -1) : undefined;
}

/** Most bytes of a provider's answer read (for its error message). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The environment variables a target needs that are not set: refused before the run. */
export function missingCredentials(target: PurgeTarget, env: Env): string[] {
  return target.env.filter((name) => !env[name]);
}

/**
 * Send a purge: every request in order, each within the target's timeout; a refused one replaced
 * by what `instead` offers (tried once). Throws a PURGE_FAILED error naming the provider, the
 * status and the provider's own message; the caller keeps the change set for the next run.
 */
export async function sendPurge(target: PurgeTarget, input: PurgeInput, env: Env): Promise<number> {
  let sent = 0;
  for (const req of target.requests(input)) {
    const answer = await send(target, req, env, input.now);
    if (answer.ok) {
      sent++;
      continue;
    }
    const others = target.instead?.(req, answer.status, answer.body, input);
    if (!others) throw failure(target, req, answer);
    for (const other of others) {
      const again = await send(target, other, env, input.now);
      if (!again.ok) throw failure(target, other, again);
      sent++;
    }
  }
  return sent;
}

async function send(
  target: PurgeTarget,
  req: PurgeRequest,
  env: Env,
  now: number,
): Promise<{ ok: boolean; status: number; body: string; error?: string }> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: target.authorize(req, env, now),
      body: req.body,
      // A redirect could carry the credentials to another origin: never followed.
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${target.timeoutMs / 1000}s` : (e.cause?.code ?? e.message);
    return { ok: false, status: 0, body: '', error: why };
  }
  const body = await readCapped(res);
  const ok = res.status >= 200 && res.status < 300 && (target.succeeded?.(res.status, body) ?? true);
  return { ok, status: res.status, body };
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= MAX_ANSWER_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

function failure(target: PurgeTarget, req: PurgeRequest, a: { status: number; body: string; error?: string }): IsrError {
  const host = new URL(req.url).host;
  const what = a.error ? `${host}: ${a.error}` : `HTTP ${a.status} from ${host}${a.body ? `: ${oneLine(a.body).slice(0, 300)}` : ''}`;
  return new IsrError('PURGE_FAILED', `${target.provider} purge of ${req.what} failed: ${what}`, {
    hint: `check the ${target.env.join(', ')} credentials and the CDN's id; the change set is kept and purged with the next run`,
  });
}

/** Split a list into batches of at most `size`. */
export function batches<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** An option that must be a whole number within bounds (a config error otherwise). */
export function boundedInt(where: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new IsrError('CONFIG_INVALID', `${where}: expected a whole number from ${min} to ${max}, found ${JSON.stringify(value)}`, {
    hint: 'see "CDN purge" in the README',
  });
}

/** A required string option of an adapter (a config error otherwise). */
export function requiredString(where: string, value: unknown, pattern: RegExp, expected: string): string {
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw new IsrError('CONFIG_INVALID', `${where}: expected ${expected}, found ${JSON.stringify(value)}`, {
    hint: 'see "CDN purge" in the README',
  });
}

/** An optional endpoint override (a local contract-test server, a proxy): http(s) origin only. */
export function endpointOf(where: string, value: unknown, dflt: string): string {
  if (value === undefined) return dflt;
  if (typeof value === 'string' && /^https?:\/\/[^/?#]+\/?$/.test(value) && URL.canParse(value)) return value.replace(/\/$/, '');
  throw new IsrError(
    'CONFIG_INVALID',
    `${where}: expected an http(s) origin such as https://api.example.com, found ${JSON.stringify(value)}`,
    {
      hint: 'leave endpoint out to use the provider API',
    },
  );
}
