import { afterEach, expect, it } from 'vitest';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ContractServer, contractServer, withPurge } from '../purge/contract-server.js';
import { describeS3, emptyStore, S3, uniquePrefix } from './helpers.js';

// `isr regen --dry-run` prints what its purge would send, the change sets kept from earlier runs
// included: for a site in S3 those are objects in the store's state (deliver/store-pending.ts),
// which a bare CI runner has no local copy of. Through the CLI, against the real Ceph RGW; the
// purge is Cloudflare's against a local server (nothing is sent by a dry run).
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const OK = { status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'x' } }) };

let site: TempSite | undefined;
let api: ContractServer | undefined;
let store: SiteStore | undefined;
afterEach(async () => {
  if (store) await emptyStore(store);
  await site?.cleanup();
  await api?.close();
  site = api = store = undefined;
});

const set = (file: string, at: number) => new TextEncoder().encode(JSON.stringify({ at, written: [file], removed: [] }));

describeS3('isr regen --dry-run with the site in S3', () => {
  it("prints the purge of the change sets kept in the store's state, not of any on the runner, and leaves them kept", async () => {
    api = await contractServer(() => OK);
    site = await tempSite('blog');
    await site.write(
      'isr.config.mjs',
      withPurge(await site.read('isr.config.mjs'), 'cloudflare', `cloudflare({ zone: '${ZONE}', endpoint: '${api.origin}' })`),
    );
    const prefix = uniquePrefix('dry-run');
    store = openS3SiteStore({ bucket: S3.bucket, endpoint: S3.endpoint, region: S3.region, credentials: S3.credentials, prefix });
    const flags = ['--store', `s3://${S3.bucket}/${prefix}`, '--endpoint', S3.endpoint, '--region', S3.region];
    const env = {
      AWS_ACCESS_KEY_ID: S3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: '',
      CLOUDFLARE_API_TOKEN: 'cf-token',
    };
    const built = await site.run(['build', ...flags], { now: '2026-01-01T00:00:00Z', env });
    expect(built.code, built.stderr).toBe(0);

    // A purge an earlier runner failed to send, kept in the store; and a stray set in a local
    // .isr/ (another checkout's), which is not this site's state.
    const kept = 'pending-changes/1767225600000-kept.json';
    await store.state.put(kept, set('blog/kept-by-an-earlier-run/index.html', Date.parse('2026-01-01T00:00:00Z')));
    await site.write(
      '.isr/pending-changes/1767225600000-local.json',
      JSON.stringify({ at: 1, written: ['blog/local-only/index.html'], removed: [] }),
    );
    api.received.length = 0;

    const dry = await site.run(['regen', '--dry-run', '--json', '--path', '/blog/hello-world/', ...flags], {
      now: '2026-01-01T00:01:00Z',
      env,
    });
    expect(dry.code, dry.stderr).toBe(0);
    const purged = JSON.stringify(JSON.parse(dry.stdout).purge);
    expect(purged).toContain('https://blog.example.com/blog/kept-by-an-earlier-run/');
    expect(purged).toContain('https://blog.example.com/blog/hello-world/');
    expect(purged).not.toContain('local-only');
    expect(api.received).toEqual([]);
    // Read only: the set stays kept for the next run that delivers.
    expect((await store.state.get(kept))?.body).toEqual(set('blog/kept-by-an-earlier-run/index.html', Date.parse('2026-01-01T00:00:00Z')));
  });
});
