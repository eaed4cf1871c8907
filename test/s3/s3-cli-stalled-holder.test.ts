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
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { SiteStore } from '../../src/store/store.js';
import { type Counter, genCounterSite, renderNumber, startCounter } from '../reliability/harness/counter-site.js';
import { copyDir, startIsr } from '../reliability/harness/util.js';
import { bucketAt, bucketHead, describeS3Cli, processReaper, s3Env, siteObjects, storeFlags } from './cli-helpers.js';
import { emptyStore, uniquePrefix } from './helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const PAGES = 6;
/** A's lease: short, so that it lapses while A is stopped; long enough that a starved (not stopped) A renews it in time. */
const LEASE_MS = '4000';

describeS3Cli('a stalled lease holder cannot publish over its successor (CLI, Ceph RGW)', () => {
  const reaper = processReaper();
  let counter: Counter;
  let base: string;
  let root: string;
  let prefix: string;
  let bucket: SiteStore;
  let proxy: S3Proxy;
  const env = (extra: Record<string, string> = {}) => s3Env({ ISR_REL_COUNTER: counter.url, ...extra });

  beforeAll(async () => {
    counter = await startCounter();
    base = await genCounterSite(PAGES, 3600);
  });
  afterAll(async () => {
    await counter?.close();
  });
  beforeEach(async () => {
    root = `${base}-${Math.random().toString(36).slice(2)}`;
    await copyDir(base, root);
    prefix = uniquePrefix('stall');
    bucket = bucketAt(prefix);
    proxy = await startS3Proxy();
    counter.onRequest = undefined;
    const built = await startIsr(['build', root, ...storeFlags(prefix)], { env: env() }).exited;
    expect(built.code, built.stderr).toBe(0);
  });
  afterEach(async () => {
    reaper.reap();
    counter.onRequest = undefined;
    await proxy.close();
    await emptyStore(bucket);
  });

  /** B: takes the lapsed lease over (waiting for the lapse) and renders every page anew, straight to the server. */
  async function successorPublishes(): Promise<number> {
    const b = reaper.track(startIsr(['regen', root, '--all', '--wait', '60', ...storeFlags(prefix)], { env: env() }));
    const r = await b.exited;
    expect(r.code, r.stderr).toBe(0);
    return b.child.pid!;
  }

  /** Every page object shows B's render, and the head is the one B published. */
  async function newerBytesKept(bPid: number, headByB: string): Promise<void> {
    const objects = await siteObjects(bucket);
    for (let i = 0; i < PAGES; i++) {
      const issuedToB = counter.log.filter((e) => e.pid === bPid && e.page === String(i)).map((e) => e.n);
      expect(issuedToB, `page ${i} rendered by B`).toHaveLength(1);
      expect(renderNumber(objects.get(`c/${i}/index.html`)!.body.toString('utf8')), `page ${i}`).toBe(issuedToB[0]);
    }
    expect((await bucketHead(bucket))!.version).toBe(headByB);
  }

  it('stopped inside a load(), resumed after its successor published: exit 75, nothing of it published', async () => {
    const a = reaper.track(
      startIsr(['regen', root, '--all', ...storeFlags(prefix, proxy.endpoint)], { env: env({ ISR_LEASE_MS: LEASE_MS }) }),
    );
    let stopped!: () => void;
    const isStopped = new Promise<void>((resolve) => (stopped = resolve));
    counter.onRequest = (pid) => {
      if (pid !== a.child.pid) return;
      a.child.kill('SIGSTOP'); // A holds the lease (it loads only under it); its answer waits in the socket
      stopped();
    };
    await isStopped;
    counter.onRequest = undefined;
    const aPuts = proxy.log.length;

    const bPid = await successorPublishes();
    const headByB = (await bucketHead(bucket))!.version;
    a.child.kill('SIGCONT');
    const ra = await a.exited;
    expect(ra.code, ra.stderr).toBe(75);
    expect(ra.stderr).toMatch(/\[(LOCK_LOST|PRECONDITION_FAILED)\]\n$/);
    expect(
      proxy.log
        .slice(aPuts)
        .filter((r) => r.kind === 'PUT' && r.key.startsWith(prefix) && r.status !== undefined && r.status < 300)
        .map((r) => r.key),
      'A wrote a page after it woke',
    ).toEqual([]);
    await newerBytesKept(bPid, headByB);
  }, 180_000);

  it('stopped in the middle of its upload, its PUTs held until its successor published: they land on nothing newer', async () => {
    const a = reaper.track(
      startIsr(['regen', root, '--all', ...storeFlags(prefix, proxy.endpoint)], { env: env({ ISR_LEASE_MS: LEASE_MS }) }),
    );
    // The first page PUT of A: A took the lease, checked it and began publishing. It and every
    // later request of A (its lease renewals too) are held; A itself is stopped.
    const first = await proxy.freeze((r) => r.kind === 'PUT' && r.key.startsWith(prefix));
    a.child.kill('SIGSTOP');
    expect(first.key).toMatch(/^.*c\/\d+\/index\.html$/);

    const bPid = await successorPublishes();
    const headByB = (await bucketHead(bucket))!.version;
    a.child.kill('SIGCONT');
    void proxy.thaw(); // A's stale PUTs reach the server now, after B's
    const ra = await a.exited;
    expect(ra.code, ra.stderr).toBe(75);
    expect(ra.stderr).toMatch(/\[(LOCK_LOST|PRECONDITION_FAILED)\]\n$/);
    // Each held page PUT was refused by the server (conditional on the version A read), none landed.
    const aPagePuts = proxy.log.filter((r) => r.kind === 'PUT' && r.key.startsWith(prefix));
    expect(aPagePuts.length).toBeGreaterThan(0);
    expect(aPagePuts.filter((r) => r.status !== undefined && r.status < 300).map((r) => r.key)).toEqual([]);
    await newerBytesKept(bPid, headByB);
  }, 180_000);
});
