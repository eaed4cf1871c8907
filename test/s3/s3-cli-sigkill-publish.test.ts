/**
 * SIGKILL in the middle of a publish to the real Ceph RGW, through the CLI. A proxy lets the run's
 * first page PUTs through and holds the rest; the run is killed there. Its held requests are then
 * either cut (never sent) or delivered after its death (bytes on the wire land anyway). Every page
 * object must be the old render or the dead run's new one, never anything else; the head must be
 * the old one; a cron run with nothing due must roll nothing back; and the next run that takes the
 * lease must converge: upload only what the dead run left inconsistent, and leave a bucket whose
 * every object is what its entry says. (A cron run with nothing due only reads the head and takes
 * no lease: the repair is the next lease holder's, which finds the lease lapsed, not released.)
 */
import { expect, it } from 'vitest';
import { renderNumber } from '../reliability/harness/counter-site.js';
import { startIsr } from '../reliability/harness/util.js';
import {
  type BucketObject,
  bucketHead,
  counterSiteInBucket,
  describeS3Cli,
  expectBucketCoherent,
  siteObjects,
  storeFlags,
} from './cli-helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const PAGES = 40;
/** Page PUTs let through before the rest are held and the run is killed. */
const LANDED = 8;
/** The killed run's lease: the next run waits this long for it to lapse; a starved live run still renews it in time. */
const LEASE_MS = '4000';

describeS3Cli('SIGKILL mid-publish (CLI, Ceph RGW)', () => {
  let proxy: S3Proxy;
  const site = counterSiteInBucket({
    pages: PAGES,
    revalidate: 3600, // nothing falls due during the test
    prefix: 'kill',
    beforeBuild: async () => {
      proxy = await startS3Proxy();
    },
    afterTest: () => proxy.close(),
  });

  const isPagePut = (r: { kind: string; key: string }) => r.kind === 'PUT' && r.key.startsWith(`${site.prefix}c/`);

  type Held = 'cut' | 'delivered after the death';

  /**
   * A `regen --all` killed in its upload, after LANDED page PUTs; its held requests cut or
   * delivered. Checks every page is old or new and the head old; returns the pages it changed.
   */
  async function killMidPublish(heldRequests: Held): Promise<string[]> {
    const before = await siteObjects(site.bucket);
    const headBefore = (await bucketHead(site.bucket))!;
    const a = site.reaper.track(
      startIsr(['regen', site.root, '--all', ...storeFlags(site.prefix, proxy.endpoint)], { env: site.env({ ISR_LEASE_MS: LEASE_MS }) }),
    );
    let puts = 0;
    await proxy.freeze((r) => isPagePut(r) && ++puts > LANDED);
    a.child.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    if (heldRequests === 'cut') proxy.drop();
    else await proxy.thaw(); // answered by the server: landed (or refused) before the bucket is read
    await proxy.close();

    const dead = a.child.pid!;
    const afterKill = await siteObjects(site.bucket);
    for (let i = 0; i < PAGES; i++) {
      const key = `c/${i}/index.html`;
      const n = renderNumber(afterKill.get(key)!.body.toString('utf8'));
      const old = renderNumber(before.get(key)!.body.toString('utf8'));
      const fresh = site.counter.log.find((e) => e.pid === dead && e.page === String(i))?.n;
      expect([old, fresh], `page ${i} shows render ${n}`).toContain(n);
    }
    expect((await bucketHead(site.bucket))!.version, 'the head moved').toBe(headBefore.version);
    const leftBehind = changedKeys(before, afterKill);
    expect(leftBehind.length, 'pages the dead run wrote').toBeGreaterThanOrEqual(LANDED);
    return leftBehind;
  }

  /** The next cron run: nothing due, nothing changed. Returns the pages it uploaded. */
  async function nextCronRun(): Promise<string[]> {
    proxy = await startS3Proxy();
    const next = await site.reaper.track(
      startIsr(['regen', site.root, '--wait', '60', ...storeFlags(site.prefix, proxy.endpoint)], { env: site.env() }),
    ).exited;
    expect(next.code, next.stderr).toBe(0);
    const status = await startIsr(['status', site.root, '--json', ...storeFlags(site.prefix)], { env: site.env() }).exited;
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ pages: PAGES, failing: [] });
    return proxy.log.filter(isPagePut).map((r) => r.key.slice(site.prefix.length));
  }

  for (const heldRequests of ['cut', 'delivered after the death'] as const) {
    it(`leaves every page old or new and the head old, and the next cron run rolls nothing back (held requests ${heldRequests})`, async () => {
      await killMidPublish(heldRequests);
      const before = await siteObjects(site.bucket);
      await nextCronRun();
      // Nothing was due: the next run rolled nothing back (no page shows an older render than before it).
      const after = await siteObjects(site.bucket);
      for (const [k, o] of before) expect(renderNumber(after.get(k)!.body.toString('utf8')), k).toBe(renderNumber(o.body.toString('utf8')));
    }, 180_000);
  }

  it('converges after a SIGKILL mid-publish: the next run that takes the lease re-uploads only what the dead run left inconsistent', async () => {
    const leftBehind = await killMidPublish('delivered after the death');
    // A cron run with nothing due only looks (it takes no lease): it uploads nothing.
    expect(await nextCronRun()).toEqual([]);
    // The next run that takes the lease (here: one page asked for, which the dead run did not
    // reach) recovers the dead holder's lease and must make every entry name its object again.
    const untouched = Array.from({ length: PAGES }, (_, i) => `c/${i}/index.html`).find((k) => !leftBehind.includes(k))!;
    proxy = await startS3Proxy();
    const next = await site.reaper.track(
      startIsr(
        [
          'regen',
          site.root,
          '--path',
          `/${untouched.replace(/index\.html$/, '')}`,
          '--wait',
          '60',
          ...storeFlags(site.prefix, proxy.endpoint),
        ],
        {
          env: site.env(),
        },
      ),
    ).exited;
    expect(next.code, next.stderr).toBe(0);
    const uploaded = proxy.log.filter(isPagePut).map((r) => r.key.slice(site.prefix.length));
    expect(uploaded).toContain(untouched);
    for (const k of uploaded)
      if (k !== untouched) expect(leftBehind, `${k} uploaded though the dead run left it as its entry says`).toContain(k);
    await expectBucketCoherent(site.bucket, PAGES);
  }, 180_000);
});

function changedKeys(before: Map<string, BucketObject>, after: Map<string, BucketObject>): string[] {
  return [...after].filter(([k, o]) => !before.get(k)?.body.equals(o.body)).map(([k]) => k);
}
