/**
 * Request signatures of CMS webhooks, as `serve.verify` hooks: Contentful's (HMAC-SHA256 over a
 * canonical request, as `@contentful/node-apps-toolkit`'s verifyRequest computes it) and
 * Sanity's (`sanity-webhook-signature`, as `@sanity/webhook` computes it). Both refuse a
 * timestamp further than `tolerance` seconds from the clock, either way. A replay inside the
 * window costs renders only: a page is rendered from the CMS's current data, never from the
 * payload, so no replay can publish stale content.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { escape as escapeQuery } from 'node:querystring';
import type { WebhookRequest, WebhookVerify } from '../types.js';

/** Default timestamp tolerance, seconds: deliveries queue and retry, and clocks drift. */
export const DEFAULT_TOLERANCE_S = 300;

export interface SignatureOptions {
  /** The signing secret. Undefined (an unset environment variable): every call is refused, saying so. */
  secret: string | undefined;
  /** Most seconds between the signature's timestamp and the clock, either way. Default 300. */
  tolerance?: number;
}

/**
 * Contentful's webhook request verification (Settings → Webhooks → Settings → Enable request
 * verification): `x-contentful-signature` is the hex HMAC-SHA256, with the 64-character signing
 * secret, of `method \n path \n signed headers \n body`, where the signed headers are those
 * `x-contentful-signed-headers` lists, as `name:value` joined by `;`, sorted by name, with
 * `x-contentful-timestamp` (epoch ms) among them.
 */
export function contentfulSignature(options: SignatureOptions): WebhookVerify {
  const { secret } = options;
  if (secret !== undefined && (typeof secret !== 'string' || !/^[0-9a-zA-Z+/=_-]{64}$/.test(secret)))
    throw new TypeError('contentfulSignature(): the secret must be the 64-character signing secret Contentful generated');
  const tolerance = toleranceOf(options, 'contentfulSignature()');
  return (request) => {
    if (secret === undefined) return 'contentfulSignature(): no signing secret is configured (is its environment variable set?)';
    const h = request.headers;
    const signature = h['x-contentful-signature']?.trim();
    const timestamp = Number.parseInt(h['x-contentful-timestamp'] ?? '', 10);
    const signed = (h['x-contentful-signed-headers'] ?? '').trim().split(',');
    if (!signature) return 'no x-contentful-signature header (is request verification on for this webhook?)';
    // As the toolkit's validators: a hex SHA-256, a time after 2020, the two headers signed at least.
    if (signature.length !== 64 || !(timestamp > 1_577_836_800_000) || signed.length < 2)
      return 'malformed x-contentful-signature, x-contentful-timestamp or x-contentful-signed-headers';
    const stale = staleness(timestamp, request.now, tolerance, 'x-contentful-timestamp');
    if (stale) return stale;
    const expected = contentfulSign(secret, request, signed, timestamp);
    return equal(signature, expected) || 'x-contentful-signature does not match (wrong signing secret, or the request was altered)';
  };
}

/** The signature of a request, as node-apps-toolkit's signRequest computes it for verifyRequest. */
export function contentfulSign(secret: string, request: WebhookRequest, signedHeaders: string[], timestamp: number): string {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) {
    const key = k.toLowerCase().trim();
    if (signedHeaders.includes(key)) headers[key] = v.trim();
  }
  // The two are always signed, with the timestamp as parsed and the list as recomputed.
  headers['x-contentful-timestamp'] = String(timestamp);
  headers['x-contentful-signed-headers'] = '';
  const names = Object.keys(headers).sort(byName);
  headers['x-contentful-signed-headers'] = names.join(',');
  const canonical = [request.method, canonicalPath(request.path), names.map((n) => `${n}:${headers[n]}`).join(';'), request.body].join(
    '\n',
  );
  return createHmac('sha256', secret).update(canonical).digest('hex');
}

/** The toolkit's order: by code unit, never equal (names are unique). */
const byName = (a: string, b: string) => (a > b ? 1 : -1);

/** getNormalizedEncodedURI of the toolkit: the query escaped, then the whole through encodeURI. */
function canonicalPath(uri: string): string {
  const [pathname = '', search] = uri.split('?');
  const escaped = search ? escapeQuery(search) : '';
  return encodeURI(escaped ? `${pathname}?${escaped}` : pathname);
}

const SANITY_HEADER = /^t=(\d+)[, ]+v1=([^, ]+)$/;

/**
 * Sanity's GROQ-powered webhook signature: `sanity-webhook-signature: t=<epoch ms>,v1=<sig>`,
 * where sig is the unpadded base64url HMAC-SHA256, with the webhook's secret, of `<t>.<body>`.
 */
export function sanitySignature(options: SignatureOptions): WebhookVerify {
  const { secret } = options;
  if (secret !== undefined && (typeof secret !== 'string' || !secret))
    throw new TypeError('sanitySignature(): the secret must be a non-empty string');
  const tolerance = toleranceOf(options, 'sanitySignature()');
  return (request) => {
    if (secret === undefined) return 'sanitySignature(): no secret is configured (is its environment variable set?)';
    const header = request.headers['sanity-webhook-signature']?.trim();
    if (!header) return 'no sanity-webhook-signature header (does the webhook have a secret?)';
    const m = SANITY_HEADER.exec(header);
    const timestamp = Number(m?.[1]);
    // As @sanity/webhook: the form above, a time after 2021 (when signing began), a body.
    if (!m || !(timestamp >= 1_609_459_200_000) || !request.body) return 'malformed sanity-webhook-signature header';
    const stale = staleness(timestamp, request.now, tolerance, 'the sanity-webhook-signature timestamp');
    if (stale) return stale;
    const sig = createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('base64url');
    return (
      equal(header, `t=${timestamp},v1=${sig}`) || 'sanity-webhook-signature does not match (wrong secret, or the request was altered)'
    );
  };
}

function toleranceOf(o: SignatureOptions, owner: string): number {
  const t = o.tolerance ?? DEFAULT_TOLERANCE_S;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new TypeError(`${owner}: tolerance must be a number of seconds > 0`);
  return t;
}

/** Why a signature's time is too far from `now`, or undefined when it is within the tolerance. */
function staleness(timestamp: number, now: number, toleranceS: number, what: string): string | undefined {
  const off = now - timestamp;
  if (Math.abs(off) < toleranceS * 1000) return undefined;
  const s = Math.round(Math.abs(off) / 1000);
  return `${what} is ${s} s ${off > 0 ? 'old' : 'in the future'}; at most ${toleranceS} s either way are accepted (tolerance)`;
}

/** Constant-time equality of two strings' UTF-8 bytes (lengths are not secret: both are fixed). */
function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
