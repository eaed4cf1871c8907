/**
 * A stalled lease holder cannot publish, through the CLI on the real Ceph RGW. Run A takes the
 * lease (ISR_LEASE_MS small) and is stopped with SIGSTOP — inside a load(), or in the middle of
 * its upload with its page PUTs held by a proxy — until its lease lapses; run B takes the lease
 * over and publishes newer renders; A is resumed. A must exit 75 (LOCK_LOST or
 * PRECONDITION_FAILED) and every page in the bucket must keep B's newer bytes, the head B's.
 *
 * Events are ordered by the counter server's gate, the proxy's freeze, signals and the exits of
 * the processes, never by sleeping: B waits for the lapse itself (--wait polls the lease).
 */
import { expect, it } from 'vitest';
import { renderNumber } from '../reliability/harness/counter-site.js';
import { startIsr } from '../reliability/harness/util.js';
import { bucketHead, counterSiteInBucket, describeS3Cli, siteObjects, storeFlags } from './cli-helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const PAGES = 6;
/** A's lease: short, so that it lapses while A is stopped; long enough that a starved (not stopped) A renews it in time. */
const LEASE_MS = '4000';

describeS3Cli('a stalled lease holder cannot publish over its successor (CLI, Ceph RGW)', () => {
  let proxy: S3Proxy;
  const site = counterSiteInBucket({
    pages: PAGES,
    revalidate: 3600,
    prefix: 'stall',
    beforeBuild: async () => {
      proxy = await startS3Proxy();
    },
    afterTest: () => proxy.close(),
  });

  /** B: takes the lapsed lease over (waiting for the lapse) and renders every page anew, straight to the server. */
  async function successorPublishes(): Promise<number> {
    const b = site.reaper.track(startIsr(['regen', site.root, '--all', '--wait', '60', ...storeFlags(site.prefix)], { env: site.env() }));
    const r = await b.exited;
    expect(r.code, r.stderr).toBe(0);
    return b.child.pid!;
  }

  /** Every page object shows B's render, and the head is the one B published. */
  async function newerBytesKept(bPid: number, headByB: string): Promise<void> {
    const objects = await siteObjects(site.bucket);
    for (let i = 0; i < PAGES; i++) {
      const issuedToB = site.counter.log.filter((e) => e.pid === bPid && e.page === String(i)).map((e) => e.n);
      expect(issuedToB, `page ${i} rendered by B`).toHaveLength(1);
      expect(renderNumber(objects.get(`c/${i}/index.html`)!.body.toString('utf8')), `page ${i}`).toBe(issuedToB[0]);
    }
    expect((await bucketHead(site.bucket))!.version).toBe(headByB);
  }

  it('stopped inside a load(), resumed after its successor published: exit 75, nothing of it published', async () => {
    const a = site.reaper.track(
      startIsr(['regen', site.root, '--all', ...storeFlags(site.prefix, proxy.endpoint)], { env: site.env({ ISR_LEASE_MS: LEASE_MS }) }),
    );
    let stopped!: () => void;
    const isStopped = new Promise<void>((resolve) => (stopped = resolve));
    site.counter.onRequest = (pid) => {
      if (pid !== a.child.pid) return;
      a.child.kill('SIGSTOP'); // A holds the lease (it loads only under it); its answer waits in the socket
      stopped();
    };
    await isStopped;
    site.counter.onRequest = undefined;
    const aPuts = proxy.log.length;

    const bPid = await successorPublishes();
    const headByB = (await bucketHead(site.bucket))!.version;
    a.child.kill('SIGCONT');
    const ra = await a.exited;
    expect(ra.code, ra.stderr).toBe(75);
    expect(ra.stderr).toMatch(/\[(LOCK_LOST|PRECONDITION_FAILED)\]\n$/);
    expect(
      proxy.log
        .slice(aPuts)
        .filter((r) => r.kind === 'PUT' && r.key.startsWith(site.prefix) && r.status !== undefined && r.status < 300)
        .map((r) => r.key),
      'A wrote a page after it woke',
    ).toEqual([]);
    await newerBytesKept(bPid, headByB);
  }, 180_000);

  it('stopped in the middle of its upload, its PUTs held until its successor published: they land on nothing newer', async () => {
    const a = site.reaper.track(
      startIsr(['regen', site.root, '--all', ...storeFlags(site.prefix, proxy.endpoint)], { env: site.env({ ISR_LEASE_MS: LEASE_MS }) }),
    );
    // The first page PUT of A: A took the lease, checked it and began publishing. It and every
    // later request of A (its lease renewals too) are held; A itself is stopped.
    const first = await proxy.freeze((r) => r.kind === 'PUT' && r.key.startsWith(site.prefix));
    a.child.kill('SIGSTOP');
    expect(first.key).toMatch(/^.*c\/\d+\/index\.html$/);

    const bPid = await successorPublishes();
    const headByB = (await bucketHead(site.bucket))!.version;
    a.child.kill('SIGCONT');
    void proxy.thaw(); // A's stale PUTs reach the server now, after B's
    const ra = await a.exited;
    expect(ra.code, ra.stderr).toBe(75);
    expect(ra.stderr).toMatch(/\[(LOCK_LOST|PRECONDITION_FAILED)\]\n$/);
    // Each held page PUT was refused by the server (conditional on the version A read), none landed.
    const aPagePuts = proxy.log.filter((r) => r.kind === 'PUT' && r.key.startsWith(site.prefix));
    expect(aPagePuts.length).toBeGreaterThan(0);
    expect(aPagePuts.filter((r) => r.status !== undefined && r.status < 300).map((r) => r.key)).toEqual([]);
    await newerBytesKept(bPid, headByB);
  }, 180_000);
});
