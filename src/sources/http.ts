import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { hash } from '../hash.js';
import type { DataSource, SourceSetupContext } from '../types.js';
import { writeAtomic } from '../write/write-atomic.js';
import { compareList, isForeignState, usableState } from './http-changes.js';
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

  const fetchOptions = (): FetchOptions => ({
    name,
    cacheDir,
    timeout,
    retries,
    retryDelay,
    headers: options.headers ?? {},
    redirects,
    maxBytes,
  });
  const fetchJson = (url: string): Promise<unknown> => {
    let p = inflight.get(url);
    if (!p) {
      p = fetchCached(url, fetchOptions());
      inflight.set(url, p);
    }
    return p;
  };
  const pickArray = (json: unknown): unknown[] => {
    const entries = options.select ? options.select(json) : json;
    if (!Array.isArray(entries)) {
      throw new IsrError('HTTP_SOURCE', `${name}: ${options.list} did not return a JSON array`, {
        hint: 'use `select: (json) => json.items` to pick the array',
      });
    }
    return entries;
  };
  const listTag = () => `url:${options.list}`;
  let log: SourceSetupContext['log'] = () => {};

  return {
    name,
    async setup(ctx) {
      cacheDir = path.join(ctx.cacheDir, 'http');
      log = ctx.log;
      await mkdir(cacheDir, { recursive: true });
      inflight = new Map();
    },
    async list({ track }) {
      if (!options.list) throw new IsrError('HTTP_SOURCE', `${name}: no \`list\` URL configured`, { hint: 'set list: "https://…"' });
      track(listTag());
      const url = options.list;
      const json = await fetchJson(url).catch((err: unknown) => {
        // A 404 means "no such entry" for get(); for the list it is a broken URL, not an empty list.
        if (err instanceof NotFound)
          throw new IsrError('HTTP_SOURCE', `${name}: GET ${url} answered HTTP 404`, { hint: 'check the `list` URL' });
        throw err;
      });
      const entries = pickArray(json);
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
    // The list URL, asked conditionally with the validators of the last published run (not those
    // of the response cache, which a failed run may have moved on): a 304 is "nothing changed".
    // Otherwise the list's tag, and each added, changed or removed entry's tag (its item page).
    // A change only an item's own URL shows (a body the list does not carry) is not seen here:
    // the item's page is re-rendered when it expires, or named with --tag url:<item>.
    async changes({ state }) {
      if (!options.list) return { tags: [], state };
      const url = options.list;
      if (isForeignState(state))
        log('warn', `its change state is not one isr wrote (edited, or from another version); comparing the whole list`);
      const previous = usableState(state, url);
      let r: Awaited<ReturnType<typeof requestJson>>;
      try {
        r = await requestJson(url, fetchOptions(), previous ?? {});
      } catch (err) {
        const e =
          err instanceof NotFound
            ? new IsrError('HTTP_SOURCE', `${name}: GET ${url} answered HTTP 404`, { hint: 'check the `list` URL' })
            : err;
        // One answer per URL per run: a list() of this run fails as this did, without asking again.
        const failed = Promise.reject(e);
        failed.catch(() => {}); // reported by list(), if a page asks for it
        inflight.set(url, failed);
        throw e;
      }
      if (r.notModified) return { tags: [], state };
      inflight.set(url, Promise.resolve(r.json)); // this run's list() takes this answer
      await keepResponse(path.join(cacheDir, `${hash(url)}.json`), url, r);
      const cmp = compareList(
        { url, etag: r.etag, lastModified: r.lastModified, body: r.body, entries: pickArray(r.json), idOf },
        previous,
      );
      const tags = new Set<string>();
      if (cmp.listChanged) tags.add(listTag());
      if (options.item) for (const id of cmp.ids) tags.add(`url:${itemUrl(id)}`);
      // Same bytes and validators: hand back the state given, which isr then does not rewrite.
      const same = previous && !tags.size && previous.etag === r.etag && previous.lastModified === r.lastModified;
      return { tags: [...tags], state: same ? state : cmp.state };
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
  const r = await requestJson(url, o, cached ?? {});
  if (r.notModified && cached) return JSON.parse(cached.body);
  if (r.notModified)
    throw new IsrError('HTTP_SOURCE', `${o.name}: GET ${url} answered HTTP 304`, { hint: 'check the URL and credentials' });
  await keepResponse(cacheFile, url, r);
  return r.json;
}

/** A 2xx's JSON with its validators, or `notModified` for a 304. */
type JsonResponse = { notModified: true } | { notModified: false; json: unknown; body: string; etag?: string; lastModified?: string };

/**
 * GET `url` as JSON, conditional on `validators` (what a cache, or the change state, last saw),
 * with the retries and bounds of FetchOptions. A 404 is NotFound; other failures IsrErrors.
 */
async function requestJson(url: string, o: FetchOptions, validators: { etag?: string; lastModified?: string }): Promise<JsonResponse> {
  let lastError = '';
  const conditional: Record<string, string> = {};
  if (validators.etag) conditional['if-none-match'] = validators.etag;
  if (validators.lastModified) conditional['if-modified-since'] = validators.lastModified;
  const headers = { accept: 'application/json', ...o.headers, ...conditional };
  const crossOriginHeaders = { accept: 'application/json', ...conditional };
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, o.retryDelay * 2 ** (attempt - 1)));
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
    if (res.status === 304 && (validators.etag || validators.lastModified)) return { notModified: true };
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
    return { notModified: false, json, body: res.body, etag, lastModified };
  }
  const attempts = `${o.retries + 1} attempt${o.retries === 0 ? '' : 's'}`;
  throw new IsrError('HTTP_SOURCE', `${o.name}: GET ${url} failed after ${attempts}: ${lastError}`, {
    hint: 'the upstream API is failing; the last good pages are kept',
  });
}

/** Cache a response that can be asked for conditionally next time (one without validators cannot). */
async function keepResponse(cacheFile: string, url: string, r: { body: string; etag?: string; lastModified?: string }): Promise<void> {
  if (!r.etag && !r.lastModified) return;
  const record: CacheRecord = { url, etag: r.etag, lastModified: r.lastModified, body: r.body };
  await writeAtomic(cacheFile, JSON.stringify(record));
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
