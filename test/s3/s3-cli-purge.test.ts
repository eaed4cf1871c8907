/**
 * The CDN purge of a site whose state lives in S3 (the real Ceph RGW), through the CLI on bare
 * runners. The purge API is Cloudflare's as documented, served by a local server (a CONTRACT
 * test: the real API cannot be reached from here). After each publish the purge names exactly the
 * URLs of the objects the run uploaded or deleted; a purge that fails is kept in the bucket's
 * private state and sent by the next run, on another bare runner, then forgotten.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ContractServer, contractServer, urlPathsOf, withPurge } from '../purge/contract-server.js';
import { bareRunner, bucketAt, describeS3Cli, s3Env, storeFlags } from './cli-helpers.js';
import { emptyStore, uniquePrefix } from './helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const TOKEN = 'cf-token-Y2xvdWRmbGFyZQ';
const OK = { status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'x' } }) };
const REFUSED = { status: 200, body: JSON.stringify({ success: false, errors: [{ code: 1134, message: 'Rate limited' }] }) };
const NOW = '2026-06-01T00:00:00Z';
const LATER = '2026-06-01T00:01:00Z';
const SITE = 'https://blog.example.com';

describeS3Cli('the CDN purge of a site in S3, on bare runners (Cloudflare contract test, Ceph RGW)', () => {
  let site: TempSite;
  let api: ContractServer;
  let prefix: string;
  let bucket: SiteStore;
  let proxy: S3Proxy;
  const env = () => s3Env({ CLOUDFLARE_API_TOKEN: TOKEN });
  const purged = () => api.received.flatMap((r) => JSON.parse(r.body).files as string[]).sort();
  /** Site objects the process PUT or deleted through the proxy, as URLs. */
  const touched = () => {
    const keys = proxy.log.filter((r) => r.kind === 'PUT' && r.key.startsWith(prefix)).map((r) => r.key.slice(prefix.length));
    return urlPathsOf(keys).map((p) => `${SITE}${p}`);
  };
  const editPost = async () => {
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace('static files, regenerated', 'static files, kept fresh'));
  };

  beforeEach(async () => {
    api = await contractServer(() => OK);
    site = await tempSite('blog');
    await site.write(
      'isr.config.mjs',
      withPurge(await site.read('isr.config.mjs'), 'cloudflare', `cloudflare({ zone: '${ZONE}', endpoint: '${api.origin}' })`),
    );
    prefix = uniquePrefix('purge-cli');
    bucket = bucketAt(prefix);
    proxy = await startS3Proxy();
  });
  afterEach(async () => {
    await proxy.close();
    await api.close();
    await site.cleanup();
    await emptyStore(bucket);
  });

  it('purges exactly the URLs of the objects each run uploaded', async () => {
    const built = await site.run(['build', '--json', ...storeFlags(prefix, proxy.endpoint)], { now: NOW, env: env() });
    expect(built.code, built.stderr).toBe(0);
    expect(purged()).toEqual(urlPathsOf(JSON.parse(built.stdout).written).map((p) => `${SITE}${p}`));
    expect(purged()).toEqual(touched());
    expect(built.stderr + built.stdout).not.toContain(TOKEN);

    api.received.length = 0;
    proxy.reset();
    await bareRunner(site.root);
    await editPost();
    const regen = await site.run(['regen', '--json', ...storeFlags(prefix, proxy.endpoint)], { now: LATER, env: env() });
    expect(regen.code, regen.stderr).toBe(0);
    expect(purged()).toContain(`${SITE}/blog/hello-world/`);
    expect(purged()).toEqual(touched());
    expect(purged()).toEqual(urlPathsOf(JSON.parse(regen.stdout).written).map((p) => `${SITE}${p}`));
  });

  it('keeps a refused purge in the bucket, and the next run on another bare runner sends it, then forgets it', async () => {
    expect((await site.run(['build', ...storeFlags(prefix)], { now: NOW, env: env() })).code).toBe(0);
    await bareRunner(site.root);
    await editPost();
    api.answer(() => REFUSED);
    const failed = await site.run(['regen', ...storeFlags(prefix)], { now: LATER, env: env() });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Cloudflare purge of \d+ URLs? failed: .*Rate limited/);
    const pending: string[] = [];
    for await (const o of bucket.state.list('')) if (o.key.includes('pending')) pending.push(o.key);
    expect(pending.length, 'the kept change set, in the private state').toBeGreaterThan(0);

    await bareRunner(site.root);
    api.received.length = 0;
    api.answer(() => OK);
    const next = await site.run(['regen', ...storeFlags(prefix)], { now: LATER, env: env() });
    expect(next.code, next.stderr).toBe(0);
    expect(purged()).toContain(`${SITE}/blog/hello-world/`);
    const left: string[] = [];
    for await (const o of bucket.state.list('')) if (o.key.includes('pending')) left.push(o.key);
    expect(left).toEqual([]);
  });
});
