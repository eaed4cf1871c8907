import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { hash } from '../hash.js';
import type { DataSource } from '../types.js';
import { writeAtomic } from '../write/write-atomic.js';
import { type GetResult, getFollowing, type RedirectPolicy } from './http-fetch.js';

export interface HttpOptions {
  /** Name shown in errors. Default `http`. */
  name?: string;
  /** URL of the JSON list, e.g. `https://api.example.com/posts`. */
  list?: string;
  /** URL of one item; `:id` is replaced by the (URL-encoded) id: `https://api.example.com/posts/:id`. */
  item?: string;
  /** Pick the array out of the list response, e.g. `(json) => json.items`. Default: the response itself. */
  select?: (json: any) => unknown[];
  /** The id of a list entry, used for its tag and to link it to `item`. Default `entry.id`. */
  idOf?: (entry: any) => string | number | undefined;
  /** Request headers (e.g. an Authorization token). Sent only to the origin of the URL they go
   * with: never along a redirect to another origin. */
  headers?: Record<string, string>;
  // http-fetch's RedirectPolicy, spelled out: importing it would make the public declarations
  // reach http-fetch's, which name DOM/Node types (AbortSignal, Headers).
  /** Redirects to follow (at most 5): `'same-origin'` (default; a redirect to another origin fails
   * the page), `'any'` (followed, without `headers`), or `'none'`. */
  allowRedirects?: 'same-origin' | 'any' | 'none';
  /** Largest response body read, in bytes; a larger one fails the page. Default 20 MB. */
  maxBytes?: number;
  /** Milliseconds before a request is abandoned. Default 10000. */
  timeout?: number;
  /** Extra attempts after a network error, timeout or 5xx. Default 2. */
  retries?: number;
  /** Milliseconds before the first retry; doubles each time. Default 250. */
  retryDelay?: number;
}

interface CacheRecord {
  url: string;
  etag?: string;
  lastModified?: string;
  body: string;
}

/**
 * The built-in JSON-over-HTTP source. Responses are cached on disk with their ETag /
 * Last-Modified, and every later request is conditional, so unchanged upstream data costs a 304.
 * Pages record `url:<url>` for what they read.
 */
export function http<Entry = any>(options: HttpOptions): DataSource<Entry> {
  const name = options.name ?? 'http';
  const timeout = options.timeout ?? 10_000;
  const retries = options.retries ?? 2;
  const retryDelay = options.retryDelay ?? 250;
  const idOf = options.idOf ?? ((e: any) => e?.id);
  const redirects = options.allowRedirects ?? 'same-origin';
  if (!['same-origin', 'any', 'none'].includes(redirects))
    throw new TypeError(`http(): allowRedirects must be 'same-origin', 'any' or 'none'`);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(Number.isInteger(maxBytes) && maxBytes > 0)) throw new TypeError('http(): maxBytes must be a whole number of bytes > 0');
  let cacheDir = '';
  // One fetch per URL per run, however many pages ask for it.
  let inflight = new Map<string, Promise<unknown>>();

  const itemUrl = (id: string) => {
    if (!options.item)
      throw new IsrError('HTTP_SOURCE', `${name}: no \`item\` URL configured, so get() is not available`, {
        hint: 'set item: "https://…/:id"',
      });
    return options.item.replace(':id', encodeURIComponent(id));
  };

  const fetchJson = (url: string): Promise<unknown> => {
    let p = inflight.get(url);
    if (!p) {
      p = fetchCached(url, { name, cacheDir, timeout, retries, retryDelay, headers: options.headers ?? {}, redirects, maxBytes });
      inflight.set(url, p);
    }
    return p;
  };

  return {
    name,
    async setup(ctx) {
      cacheDir = path.join(ctx.cacheDir, 'http');
      await mkdir(cacheDir, { recursive: true });
      inflight = new Map();
    },
    async list({ track }) {
      if (!options.list) throw new IsrError('HTTP_SOURCE', `${name}: no \`list\` URL configured`, { hint: 'set list: "https://…"' });
      track(`url:${options.list}`);
      const url = options.list;
      const json = await fetchJson(url).catch((err: unknown) => {
        // A 404 means "no such entry" for get(); for the list it is a broken URL, not an empty list.
        if (err instanceof NotFound)
          throw new IsrError('HTTP_SOURCE', `${name}: GET ${url} answered HTTP 404`, { hint: 'check the `list` URL' });
        throw err;
      });
      const entries = options.select ? options.select(json) : json;
      if (!Array.isArray(entries)) {
        throw new IsrError('HTTP_SOURCE', `${name}: ${options.list} did not return a JSON array`, {
          hint: 'use `select: (json) => json.items` to pick the array',
        });
      }
      return entries as Entry[];
    },
    async get({ id, track }) {
      const url = itemUrl(id);
      track(`url:${url}`);
      try {
        return (await fetchJson(url)) as Entry;
      } catch (err) {
        if (err instanceof NotFound) return undefined;
        throw err;
      }
    },
    entryTag(entry) {
      const id = idOf(entry);
      return id === undefined || !options.item ? undefined : `url:${itemUrl(String(id))}`;
    },
  };
}

class NotFound extends Error {}

/** Default `maxBytes`: far above any JSON page of data, far below what would strain the process. */
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

interface FetchOptions {
  name: string;
  cacheDir: string;
  timeout: number;
  retries: number;
  retryDelay: number;
  headers: Record<string, string>;
  redirects: RedirectPolicy;
  maxBytes: number;
}

async function fetchCached(url: string, o: FetchOptions): Promise<unknown> {
  const cacheFile = path.join(o.cacheDir, `${hash(url)}.json`);
  const cached = await readCache(cacheFile, url);
  let lastError = '';
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, o.retryDelay * 2 ** (attempt - 1)));
    const conditional: Record<string, string> = {};
    if (cached?.etag) conditional['if-none-match'] = cached.etag;
    if (cached?.lastModified) conditional['if-modified-since'] = cached.lastModified;
    const headers = { accept: 'application/json', ...o.headers, ...conditional };
    const crossOriginHeaders = { accept: 'application/json', ...conditional };
    let res: GetResult;
    try {
      res = await getFollowing(url, {
        name: o.name,
        headers,
        crossOriginHeaders,
        redirects: o.redirects,
        maxBytes: o.maxBytes,
        signal: AbortSignal.timeout(o.timeout),
      });
    } catch (err) {
      if (err instanceof IsrError) throw err; // a refused redirect, a body over maxBytes: asking again changes nothing
      const e = err as Error;
      lastError = e.name === 'TimeoutError' ? `timed out after ${o.timeout} ms` : ((e.cause as Error)?.message ?? e.message);
      continue;
    }
    if (res.status === 304 && cached) return JSON.parse(cached.body);
    if (res.status === 404) throw new NotFound(url);
    if (res.status >= 500 || res.status === 429) {
      lastError = `HTTP ${res.status}`;
      continue;
    }
    if (res.status < 200 || res.status > 299)
      throw new IsrError('HTTP_SOURCE', `${o.name}: GET ${url} answered HTTP ${res.status}`, { hint: 'check the URL and credentials' });
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new IsrError(
        'HTTP_SOURCE',
        `${o.name}: GET ${url} did not return JSON (content-type ${res.headers.get('content-type') ?? 'none'})`,
        {
          hint: 'check the URL points at a JSON API',
        },
      );
    }
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    if (etag || lastModified) {
      const record: CacheRecord = { url, etag, lastModified, body: res.body };
      await writeAtomic(cacheFile, JSON.stringify(record));
    }
    return json;
  }
  const attempts = `${o.retries + 1} attempt${o.retries === 0 ? '' : 's'}`;
  throw new IsrError('HTTP_SOURCE', `${o.name}: GET ${url} failed after ${attempts}: ${lastError}`, {
    hint: 'the upstream API is failing; the last good pages are kept',
  });
}

async function readCache(file: string, url: string): Promise<CacheRecord | undefined> {
  try {
    const rec = JSON.parse(await readFile(file, 'utf8')) as CacheRecord;
    // The URL check guards against (improbable) hash collisions and hand-edited caches.
    return rec.url === url && typeof rec.body === 'string' ? rec : undefined;
  } catch {
    return undefined;
  }
}
