import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import { s3Leases } from '../../src/store/s3-lease.js';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { describeS3, testSiteStore } from './helpers.js';

// "After a lease recovered from a dead holder, compare by version rather than trust outputHash (a
// crash can leave an object newer than its entry)": the run that takes the lease over lists the
// site, finds the objects whose ETag is not the version their entry records, and renders those
// pages again, so every entry names its object.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

describeS3('a run that takes over the lease of a run that died mid-publish', () => {
  it('renders again the pages the dead run left newer than their entries, and only those', async () => {
    site = await tempSite('blog');
    let now = T0;
    const clock = () => now;
    const inner = testSiteStore({ label: 'recover', clock });
    const store = { ...inner, leases: s3Leases(inner.state as S3ObjectStore, clock, { renewEveryMs: 0 }) };
    const config = await loadConfig(site.root);
    const o = { logger: silentLogger(), command: 'test', store, detect: false } as const;
    await runSite(config, { ...o, mode: 'build', now: T0 });
    // The dead run: it took the lease, uploaded a page, and died before its head.
    await store.leases.acquire('lock', { owner: 'the dead run', ttlMs: 1000 });
    await store.site.put('blog/hello-world/index.html', new TextEncoder().encode('<p>render of the dead run</p>'));
    now += 60_000;
    const r = await runSite(config, { ...o, mode: 'regen', paths: ['/blog/why-static/'], now: T0 + 60_000 });
    expect(r.rendered.sort()).toEqual(['/blog/hello-world/', '/blog/why-static/']);
    const page = await store.site.get('blog/hello-world/index.html');
    expect(new TextDecoder().decode(page?.body)).not.toContain('render of the dead run');
    expect(r.manifest.pages['/blog/hello-world/']?.version).toBe(page?.version);
  });
});
