/**
 * The S3 tests' access to the real server: Ceph RGW started by `.ci/s3-server` (which prints the
 * ISR_TEST_S3_* variables read here). Without them the S3 tests say so loudly and skip; with
 * ISR_TEST_S3_REQUIRED set (CI), they fail instead.
 */

import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { S3Client } from '../../src/store/s3-client.js';
import type { S3StoreOptions } from '../../src/store/s3-options.js';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import type { SiteStore } from '../../src/store/store.js';

const env = process.env;
export const S3 = {
  endpoint: env.ISR_TEST_S3_ENDPOINT ?? '',
  region: env.ISR_TEST_S3_REGION ?? 'us-east-1',
  bucket: env.ISR_TEST_S3_BUCKET ?? '',
  credentials: { accessKeyId: env.ISR_TEST_S3_ACCESS_KEY_ID ?? '', secretAccessKey: env.ISR_TEST_S3_SECRET_ACCESS_KEY ?? '' },
};
export const hasS3 = Boolean(S3.endpoint && S3.bucket && S3.credentials.accessKeyId && S3.credentials.secretAccessKey);

const MISSING =
  'NO S3 SERVER: ISR_TEST_S3_ENDPOINT etc. are not set, so the S3 store is NOT tested against Ceph RGW. ' +
  'Start one with: eval "$(.ci/s3-server start /tmp/isr-s3)"';

/** `describe` for tests that need the real server: skipped loudly without one (failed in CI). */
export function describeS3(name: string, body: () => void): void {
  if (hasS3) {
    describe(name, body);
    return;
  }
  if (env.ISR_TEST_S3_REQUIRED) {
    describe(name, () => {
      it('has the S3 server .ci/run starts', () => {
        throw new Error(MISSING);
      });
    });
    return;
  }
  process.stderr.write(`\n*** ${MISSING} (skipping: ${name}) ***\n\n`);
  describe.skip(`${name} [SKIPPED: no S3 server]`, body);
}

/** A fetch that counts the requests it sends, by method (and `POST ?delete` as 'DELETE-BATCH'). */
export function countingFetch(): { fetch: typeof fetch; count: Record<string, number>; total: () => number; reset: () => void } {
  const count: Record<string, number> = {};
  const counted: typeof fetch = (input, init) => {
    const method = init?.method ?? 'GET';
    const name = method === 'POST' && String(input).includes('?delete') ? 'DELETE-BATCH' : method;
    count[name] = (count[name] ?? 0) + 1;
    return fetch(input, init);
  };
  return {
    fetch: counted,
    count,
    total: () => Object.values(count).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(count)) delete count[k];
    },
  };
}

/** A unique prefix, so tests (and runs of the suite) never see each other's objects. */
export function uniquePrefix(label: string): string {
  return `t/${label}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}

/** An S3 site store on the test server under a fresh prefix (its state under `.isr/` + that prefix). */
export function testSiteStore(o: Partial<S3StoreOptions> & { label?: string } = {}): SiteStore {
  const { label = 'store', ...rest } = o;
  return openS3SiteStore({
    bucket: S3.bucket,
    endpoint: S3.endpoint,
    region: S3.region,
    credentials: S3.credentials,
    prefix: uniquePrefix(label),
    ...rest,
  });
}

/** Deletes everything a test store wrote (site and state). */
export async function emptyStore(s: SiteStore): Promise<void> {
  for (const store of [s.site, s.state]) {
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    await store.deleteMany(keys);
  }
}

/**
 * A plain signed GET of `key` in the test bucket, as a host serving it would read the object: its
 * status, headers and body (the S3 store's own client, no retries). Made per call: collected
 * without a server, a client made up front would throw on its missing endpoint.
 */
export function getObject(key: string) {
  const client = new S3Client({
    bucket: S3.bucket,
    endpoint: S3.endpoint,
    region: S3.region,
    credentials: S3.credentials,
    timeoutMs: 10_000,
    retries: 0,
  });
  return client.send({ method: 'GET', key });
}
