/**
 * Fastly: a batch surrogate-key purge, `POST /service/{service}/purge` with the keys in a JSON
 * body (at most 256 keys per request, Fastly's limit) and the API token in `Fastly-Key` (from
 * FASTLY_API_TOKEN; it needs the purge_select scope). Beyond `maxKeys` in one purge, one
 * `POST /service/{service}/purge_all` instead (the token then needs purge_all).
 *
 * Keys: every object carries its URL path as a surrogate key (`surrogateKeys`, the value the S3
 * store sends as `Surrogate-Key` metadata, with the page's recorded tags after it), so a changed
 * page is purged by its own key and nothing else.
 */
import { createHash } from 'node:crypto';
import { batches, boundedInt, endpointOf, type PurgeInput, type PurgeTarget, requiredString } from './purge.js';

export interface FastlyOptions {
  /** The service id. */
  service: string;
  /** Soft purge (`Fastly-Soft-Purge: 1`): objects are marked stale, not dropped. Default false. */
  soft?: boolean;
  /** Most keys purged one by one; beyond, the whole service at once. Default 5,000. */
  maxKeys?: number;
  /** Most seconds one request may take. Default 30. */
  timeout?: number;
  /** API origin. Default `https://api.fastly.com` (another only for tests or a proxy). */
  endpoint?: string;
}

/** Fastly's batch limit. */
const KEYS_PER_REQUEST = 256;
/** Fastly's limit on one key's length. */
const MAX_KEY_BYTES = 1024;

/**
 * The surrogate keys of an object: its public URL path (a longer one as a hash of it), then the
 * page's tags in the same form, space-separated as the `Surrogate-Key` header wants them.
 */
export function surrogateKeys(urlPath: string, tags: readonly string[] = []): string {
  return [urlPath, ...tags].map(surrogateKey).join(' ');
}

/** One key: no spaces (they separate keys), at most 1,024 bytes. */
export function surrogateKey(s: string): string {
  const k = s.replace(/\s/g, (c) => encodeURIComponent(c));
  return Buffer.byteLength(k) <= MAX_KEY_BYTES ? k : `isr-${createHash('sha256').update(s).digest('hex')}`;
}

/** `purge: fastly({ service })`: the token from FASTLY_API_TOKEN. */
export function fastly(options: FastlyOptions): PurgeTarget {
  const where = 'purge: fastly()';
  const service = requiredString(`${where} service`, options?.service, /^[A-Za-z0-9]{1,64}$/, 'a service id');
  const maxKeys = boundedInt(`${where} maxKeys`, options.maxKeys, 5000, 1, 100_000);
  const timeoutMs = boundedInt(`${where} timeout`, options.timeout, 30, 1, 600) * 1000;
  const base = `${endpointOf(`${where} endpoint`, options.endpoint, 'https://api.fastly.com')}/service/${service}`;
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (options.soft) headers['fastly-soft-purge'] = '1';

  return {
    provider: 'Fastly',
    env: ['FASTLY_API_TOKEN'],
    timeoutMs,
    requests(input: PurgeInput) {
      if (!input.paths.length) return [];
      if (input.paths.length > maxKeys) {
        // Fastly refuses a soft purge-all: that one is always hard.
        const { 'fastly-soft-purge': _, ...hard } = headers;
        return [{ method: 'POST', url: `${base}/purge_all`, headers: hard, body: '', what: 'everything' }];
      }
      const keys = input.paths.map(surrogateKey);
      return batches(keys, KEYS_PER_REQUEST).map((b) => ({
        method: 'POST' as const,
        url: `${base}/purge`,
        headers,
        body: JSON.stringify({ surrogate_keys: b }),
        what: `${b.length} key${b.length === 1 ? '' : 's'}`,
      }));
    },
    authorize: (req, env) => ({ ...req.headers, 'fastly-key': env.FASTLY_API_TOKEN ?? '' }),
  };
}
