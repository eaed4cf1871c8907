/**
 * A wrong S3 setup through the CLI: wrong or missing credentials, a missing bucket, an endpoint
 * that refuses connections or never answers, and a store that ignores conditional writes (a
 * proxy in front of the real Ceph RGW that strips If-Match / If-None-Match). Each is one line on
 * stderr with its code, the documented exit status, no secret printed, and nothing published:
 * the site already in the bucket stays whole, byte for byte.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import type { SiteStore } from '../../src/store/store.js';
import type { CliResult, TempSite } from '../helpers/site.js';
import { tempSite } from '../helpers/site.js';
import { type BucketObject, bucketAt, bucketHead, describeS3Cli, s3Env, siteObjects, stateVersions, storeFlags } from './cli-helpers.js';
import { emptyStore, S3, uniquePrefix } from './helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const NOW = '2026-06-01T00:00:00Z';

/** One line `isr: … [CODE]`, the exit status, and no secret in it. */
function refused(r: CliResult, code: string, exit: number): string {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr).toMatch(new RegExp(`^isr: [^\\n]*\\[${code}\\]\\n$`));
  expect(r.stderr).not.toContain(S3.credentials.secretAccessKey);
  expect(r.stderr).not.toContain('wrong-secret');
  expect(r.stdout).toBe('');
  return r.stderr;
}

describeS3Cli('a wrong S3 setup through the CLI: one line, its exit code, nothing published (Ceph RGW)', () => {
  let site: TempSite;
  let prefix: string;
  let bucket: SiteStore;
  let published: Map<string, BucketObject>;
  let state: Map<string, string>;
  beforeAll(async () => {
    site = await tempSite('blog');
    prefix = uniquePrefix('bad-cli');
    bucket = bucketAt(prefix);
    const built = await site.run(['build', ...storeFlags(prefix)], { now: NOW, env: s3Env() });
    expect(built.code, built.stderr).toBe(0);
    published = await siteObjects(bucket);
    state = await stateVersions(bucket);
  });
  afterAll(async () => {
    await site.cleanup();
    await emptyStore(bucket);
  });

  /** The site in the bucket is exactly as the good build left it (objects and private state). */
  async function untouched(): Promise<void> {
    const now = await siteObjects(bucket);
    expect([...now.keys()].sort()).toEqual([...published.keys()].sort());
    for (const [k, o] of published) expect(now.get(k)!.body.equals(o.body), k).toBe(true);
    const nowState = await stateVersions(bucket);
    for (const [k, v] of state) if (!k.startsWith('leases/')) expect(nowState.get(k), k).toBe(v);
  }
  const regenAll = (flags: string[], env: Record<string, string>) => site.run(['regen', '--all', ...flags], { now: NOW, env });

  it('refuses wrong credentials (exit 3, STORE_AUTH), naming the variables to check', async () => {
    const line = refused(await regenAll(storeFlags(prefix), s3Env({ AWS_SECRET_ACCESS_KEY: 'wrong-secret-0123456789' })), 'STORE_AUTH', 3);
    expect(line).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    await untouched();
  });

  it('refuses a run without credentials (exit 3, STORE_AUTH) before any request', async () => {
    const proxy = await startS3Proxy();
    try {
      const env = s3Env({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
      refused(await regenAll(storeFlags(prefix, proxy.endpoint), env), 'STORE_AUTH', 3);
      expect(proxy.total()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('says the bucket does not exist (exit 3, STORE_NO_BUCKET)', async () => {
    const line = refused(
      await site.run(['build', ...storeFlags('x', S3.endpoint, 'isr-no-such-bucket')], { now: NOW, env: s3Env() }),
      'STORE_NO_BUCKET',
      3,
    );
    expect(line).toContain('isr-no-such-bucket');
  });

  it('gives up on an endpoint that refuses connections after its bounded tries (exit 7, STORE_UNREACHABLE)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const line = refused(await regenAll(storeFlags(prefix, endpoint), s3Env()), 'STORE_UNREACHABLE', 7);
    expect(line).toMatch(/ECONNREFUSED/);
    await untouched();
  });

  it('gives up on an endpoint that never answers, each try bounded by the configured timeout (exit 7)', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer(() => {});
    silent.on('connection', (c) => sockets.push(c));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      // The config form, with the bounds a user would lower: s3({ …, timeoutMs, retries }).
      await site.write(
        's3-silent.config.mjs',
        `import base from './isr.config.mjs';\nimport { s3 } from 'static-isr';\n` +
          `export default { ...base, store: s3({ bucket: ${JSON.stringify(S3.bucket)}, prefix: ${JSON.stringify(prefix)}, endpoint: ${JSON.stringify(endpoint)}, timeoutMs: 300, retries: 1 }) };\n`,
      );
      const line = refused(await regenAll(['--config', 's3-silent.config.mjs'], s3Env()), 'STORE_UNREACHABLE', 7);
      expect(line).toMatch(/no answer within 300 ms\) after 2 tries/);
      await untouched();
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses a first build into a store that ignores conditional writes (exit 3, STORE_NO_CONDITIONAL_WRITES): no head, no page', async () => {
    const proxy: S3Proxy = await startS3Proxy({ stripConditions: true });
    const fresh = bucketAt(uniquePrefix('bad-cli-first'));
    const freshPrefix = (fresh.site as S3ObjectStore).prefix;
    try {
      const r = await site.run(['build', ...storeFlags(freshPrefix, proxy.endpoint)], { now: NOW, env: s3Env() });
      expect(refused(r, 'STORE_NO_CONDITIONAL_WRITES', 3)).toMatch(/ignored If-(None-)?Match/);
      expect(await bucketHead(fresh)).toBeUndefined();
      expect(await siteObjects(fresh)).toEqual(new Map());
    } finally {
      await proxy.close();
      await emptyStore(fresh);
    }
  });

  it('refuses a regen of a published site through a store that ignores conditional writes (exit 3), the site whole', async () => {
    const proxy: S3Proxy = await startS3Proxy({ stripConditions: true });
    try {
      const line = refused(await regenAll(storeFlags(prefix, proxy.endpoint), s3Env()), 'STORE_NO_CONDITIONAL_WRITES', 3);
      expect(line).toMatch(/ignored If-(None-)?Match/);
      expect(proxy.log.filter((r) => r.kind === 'PUT' && r.key.startsWith(prefix)).map((r) => r.key)).toEqual([]);
      await untouched();
      // The lease it probed is free again for a store that honours conditions.
      const next = await regenAll(storeFlags(prefix), s3Env());
      expect(next.code, next.stderr).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
