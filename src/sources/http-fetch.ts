import { TextDecoder } from 'node:util';
import { IsrError } from '../errors.js';

/**
 * One GET for the `http` source, with the bounds an outside server must not be able to break:
 * redirects followed by hand (so the configured headers never leave their origin), a cap on the
 * body read as a stream (memory stays bounded whatever the server sends), and the body decoded
 * by its declared charset. Internal to sources/http.ts.
 */

/** Which redirects the source follows. */
export type RedirectPolicy = 'same-origin' | 'any' | 'none';

export interface GetOptions {
  /** Source name, for errors. */
  name: string;
  /** Headers for the origin of `url`: the user's configured ones (credentials) included. */
  headers: Record<string, string>;
  /** Headers for a hop to another origin: those that carry no credential (accept, conditional). */
  crossOriginHeaders: Record<string, string>;
  redirects: RedirectPolicy;
  maxBytes: number;
  signal: AbortSignal;
}

export interface GetResult {
  status: number;
  headers: Headers;
  /** The decoded body ('' for anything but a 2xx). */
  body: string;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Redirects followed before the request counts as failed (a loop, or a chain nobody meant). */
export const MAX_REDIRECTS = 5;
const REDIRECT = new Set([301, 302, 303, 307, 308]);

/**
 * GET `url`. Network errors and timeouts are thrown as they come (the caller retries them); a
 * refused redirect, an oversized body or an unknown charset is an IsrError (not retried: asking
 * again gets the same answer).
 */
export async function getFollowing(url: string, o: GetOptions): Promise<GetResult> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const headers = sameOrigin ? o.headers : o.crossOriginHeaders;
    const res = await fetch(current, { headers, redirect: 'manual', signal: o.signal });
    const location = REDIRECT.has(res.status) ? res.headers.get('location') : null;
    if (location === null) {
      // Only a success's body is used: an error's is not read (nor bounded, nor decoded).
      const ok = res.status >= 200 && res.status <= 299;
      if (!ok) await res.body?.cancel().catch(() => {});
      const body = ok ? await readBody(res, url, o) : '';
      return { status: res.status, headers: res.headers, body, url: current };
    }
    await res.body?.cancel().catch(() => {});
    const next = new URL(location, current).href;
    const fail = (why: string, hint: string): never => {
      throw new IsrError('HTTP_SOURCE', `${o.name}: GET ${url} ${why}`, { hint });
    };
    if (!/^https?:$/.test(new URL(next).protocol)) fail(`redirected to ${next}, which is not http(s)`, 'check the URL');
    if (o.redirects === 'none')
      fail(`answered a redirect to ${next}`, "point the source at the final URL, or set allowRedirects: 'same-origin'");
    if (o.redirects === 'same-origin' && new URL(next).origin !== origin) {
      fail(
        `redirected to another origin (${new URL(next).origin}); refused`,
        "point the source at the final URL, or set allowRedirects: 'any' (configured headers are never sent to another origin)",
      );
    }
    if (hop + 1 > MAX_REDIRECTS) fail(`redirected more than ${MAX_REDIRECTS} times`, 'check the URL (a redirect loop?)');
    current = next;
  }
}

/** The body, read chunk by chunk up to `maxBytes`, then decoded by the declared charset. */
async function readBody(res: Response, url: string, o: GetOptions): Promise<string> {
  const tooLarge = () =>
    new IsrError('HTTP_SOURCE', `${o.name}: GET ${url}: the response body is over maxBytes (${o.maxBytes} bytes)`, {
      hint: 'raise `maxBytes` in http({ … }) if the API really sends this much',
    });
  const decoder = decoderFor(res.headers.get('content-type'), url, o.name);
  const declared = Number(res.headers.get('content-length'));
  if (declared > o.maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > o.maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return decoder.decode(Buffer.concat(chunks));
}

/**
 * A decoder for the response's `charset=` (UTF-8 when none is declared: JSON's own encoding,
 * RFC 8259). An unknown charset is refused rather than guessed: decoding it as UTF-8 published
 * mojibake without a word.
 */
function decoderFor(contentType: string | null, url: string, name: string): TextDecoder {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  if (!charset) return new TextDecoder('utf-8');
  try {
    return new TextDecoder(charset);
  } catch {
    throw new IsrError('HTTP_SOURCE', `${name}: GET ${url} declared charset "${charset}", which isr cannot decode`, {
      hint: 'have the API send UTF-8 (or a charset the WHATWG Encoding standard names)',
    });
  }
}
