/**
 * Amazon CloudFront: one `CreateInvalidation` (API version 2020-05-31) per purge, SigV4-signed
 * with the standard AWS environment variables (on GitHub Actions, what
 * `aws-actions/configure-aws-credentials` sets from OIDC).
 *
 * CloudFront allows 3,000 invalidation paths in flight per distribution (and 15 wildcard paths,
 * counted apart). A change set of more than `maxPaths` paths is sent as one wildcard (the base
 * path followed by `*`); a batch CloudFront refuses with `TooManyInvalidationsInProgress` or
 * `BatchTooLarge` is sent again as that wildcard, once.
 */
import { createHash } from 'node:crypto';
import { boundedInt, endpointOf, type PurgeInput, type PurgeRequest, type PurgeTarget, requiredString } from './purge.js';
import { signV4 } from './sigv4.js';

export interface CloudFrontOptions {
  /** The distribution's id (`E2QWRUHAPOMQZL`). */
  distributionId: string;
  /** Most paths sent one by one; more are sent as one wildcard. 1–3,000, default 1,000. */
  maxPaths?: number;
  /** Most seconds one request may take. Default 30. */
  timeout?: number;
  /** API origin. Default `https://cloudfront.amazonaws.com` (another only for tests or a proxy). */
  endpoint?: string;
}

const XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

/** `purge: cloudfront({ distributionId })`: credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN). */
export function cloudfront(options: CloudFrontOptions): PurgeTarget {
  const where = 'purge: cloudfront()';
  const id = requiredString(
    `${where} distributionId`,
    options?.distributionId,
    /^[A-Z0-9]{1,64}$/,
    'a distribution id such as E2QWRUHAPOMQZL',
  );
  const maxPaths = boundedInt(`${where} maxPaths`, options.maxPaths, 1000, 1, 3000);
  const timeoutMs = boundedInt(`${where} timeout`, options.timeout, 30, 1, 600) * 1000;
  const endpoint = endpointOf(`${where} endpoint`, options.endpoint, 'https://cloudfront.amazonaws.com');
  const url = `${endpoint}/2020-05-31/distribution/${id}/invalidation`;

  const invalidation = (paths: string[], input: PurgeInput, what: string): PurgeRequest => {
    // Unique per batch and run, and the same on a retry of the very request (CloudFront then
    // answers with the invalidation it already has instead of making a second one).
    const ref = `isr-${input.now}-${createHash('sha256').update(paths.join('\n')).digest('hex').slice(0, 16)}`;
    const items = paths.map((p) => `<Path>${xml(p)}</Path>`).join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<InvalidationBatch xmlns="${XMLNS}"><Paths><Quantity>${paths.length}</Quantity><Items>${items}</Items></Paths><CallerReference>${ref}</CallerReference></InvalidationBatch>`;
    return { method: 'POST', url, headers: { 'content-type': 'application/xml' }, body, what };
  };
  const wildcard = (input: PurgeInput) => invalidation([`${input.base}*`], input, `everything under ${input.base}`);

  return {
    provider: 'CloudFront',
    env: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
    timeoutMs,
    requests(input) {
      if (!input.paths.length) return [];
      if (input.paths.length > maxPaths) return [wildcard(input)];
      return [invalidation(input.paths, input, count(input.paths.length))];
    },
    authorize(req, env, now) {
      const creds = {
        accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
        sessionToken: env.AWS_SESSION_TOKEN || undefined,
      };
      // CloudFront is a global service: its API is signed for us-east-1 whatever the bucket's region.
      return signV4({ ...req, service: 'cloudfront', region: 'us-east-1', now }, creds);
    },
    instead(req, status, body, input) {
      const refused = status === 400 || status === 413;
      if (!refused || !/<Code>(TooManyInvalidationsInProgress|BatchTooLarge)<\/Code>/.test(body)) return undefined;
      return req.body.includes(`<Path>${xml(input.base)}*</Path>`) ? undefined : [wildcard(input)];
    },
  };
}

function count(n: number): string {
  return `${n} path${n === 1 ? '' : 's'}`;
}

function xml(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}
