/**
 * Cloudflare: `POST /client/v4/zones/{zone}/purge_cache` with an API token (`Authorization:
 * Bearer`, from CLOUDFLARE_API_TOKEN; the token needs the Zone › Cache Purge permission).
 *
 * By URL (default): the changed URLs in full (`https://example.com/blog/x/`), in batches of
 * `batchSize` (Cloudflare allows 100 per request on every plan but Enterprise's 500). By tag:
 * the same URL paths as cache tags, for an origin that sends them in `Cache-Tag`. Beyond
 * `maxItems` in one purge, one request purges the whole site instead: its prefix
 * (`example.com/docs/`) under a base path, else its host name.
 */
import { batches, boundedInt, endpointOf, type PurgeInput, type PurgeTarget, requiredString } from './purge.js';

export interface CloudflareOptions {
  /** The zone id (32 hex digits, on the zone's overview page). */
  zone: string;
  /** `url` (default): purge the changed URLs; `tag`: purge their paths as Cache-Tag values. */
  by?: 'url' | 'tag';
  /** URLs or tags per request: 1–500, default 100 (the limit of every plan but Enterprise). */
  batchSize?: number;
  /** Most URLs or tags purged one by one; beyond, the whole site at once. Default 3,000. */
  maxItems?: number;
  /** Most seconds one request may take. Default 30. */
  timeout?: number;
  /** API origin. Default `https://api.cloudflare.com` (another only for tests or a proxy). */
  endpoint?: string;
}

/** `purge: cloudflare({ zone })`: the token from CLOUDFLARE_API_TOKEN. */
export function cloudflare(options: CloudflareOptions): PurgeTarget {
  const where = 'purge: cloudflare()';
  const zone = requiredString(`${where} zone`, options?.zone, /^[0-9a-f]{32}$/, 'a zone id of 32 hex digits');
  const by = options.by ?? 'url';
  if (by !== 'url' && by !== 'tag') requiredString(`${where} by`, by, /^(url|tag)$/, '"url" or "tag"');
  const batchSize = boundedInt(`${where} batchSize`, options.batchSize, 100, 1, 500);
  const maxItems = boundedInt(`${where} maxItems`, options.maxItems, 3000, 1, 100_000);
  const timeoutMs = boundedInt(`${where} timeout`, options.timeout, 30, 1, 600) * 1000;
  const url = `${endpointOf(`${where} endpoint`, options.endpoint, 'https://api.cloudflare.com')}/client/v4/zones/${zone}/purge_cache`;
  const request = (body: object, what: string) => ({
    method: 'POST' as const,
    url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    what,
  });

  return {
    provider: 'Cloudflare',
    env: ['CLOUDFLARE_API_TOKEN'],
    timeoutMs,
    // By URL, the URLs Cloudflare cached are absolute; by tag, the site-wide fallback names the host.
    check: ({ siteUrl }) => (siteUrl ? undefined : "it needs site.url (the site's host, and the absolute URLs Cloudflare cached)"),
    requests(input: PurgeInput) {
      if (!input.paths.length) return [];
      if (input.paths.length > maxItems) {
        const site = new URL(input.siteUrl!); // check() made sure it is set
        // A prefix is host + path without the scheme; the root of a host is purged by host name.
        return [
          input.base === '/'
            ? request({ hosts: [site.host] }, `everything on ${site.host}`)
            : request({ prefixes: [`${site.host}${input.base}`] }, `everything under ${site.host}${input.base}`),
        ];
      }
      const items = by === 'url' ? input.paths.map((p) => `${new URL(input.siteUrl!).origin}${p}`) : input.paths;
      return batches(items, batchSize).map((b) =>
        request(by === 'url' ? { files: b } : { tags: b }, `${b.length} ${by === 'url' ? 'URL' : 'tag'}${b.length === 1 ? '' : 's'}`),
      );
    },
    authorize: (req, env) => ({ ...req.headers, authorization: `Bearer ${env.CLOUDFLARE_API_TOKEN ?? ''}` }),
    succeeded(_status, body) {
      try {
        return (JSON.parse(body) as { success?: unknown }).success === true;
      } catch {
        return false;
      }
    },
  };
}
