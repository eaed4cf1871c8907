/**
 * The lease race through the CLI: N `isr regen` processes at once on one bucket prefix of the real
 * Ceph RGW. Without --wait, exactly one takes the lease and publishes; the others exit 75 (LOCKED)
 * before loading anything. Each contender goes through its own proxy, which holds its lease-taking
 * PUT until all N have sent theirs: the N conditional PUTs then reach the server together, however
 * the machine scheduled the processes. The winner is held inside its first load() (the counter
 * server's gate) until every other contender has been answered. With --wait, all publish, one after another, and no older
 * render is ever served over a newer one (the bucket is read throughout).
 */
import { expect, it } from 'vitest';
import { renderNumber } from '../reliability/harness/counter-site.js';
import { count, startIsr } from '../reliability/harness/util.js';
import { bucketHead, counterSiteInBucket, describeS3Cli, expectBucketCoherent, storeFlags, watchBucket } from './cli-helpers.js';
import { type ProxiedRequest, type S3Proxy, startS3Proxy } from './s3-proxy.js';

const PAGES = 6;
const N = count('ISR_S3_RACE_N', 10, 20);
const ROUNDS = count('ISR_S3_RACE_ROUNDS', 2, 5);
const keys = Array.from({ length: PAGES }, (_, i) => `c/${i}/index.html`);

describeS3Cli(`${N} isr regen processes racing for one bucket prefix (Ceph RGW)`, () => {
  const openProxies: S3Proxy[] = [];
  const site = counterSiteInBucket({
    pages: PAGES,
    prefix: 'race-cli',
    afterTest: async () => {
      await Promise.all(openProxies.splice(0).map((p) => p.close()));
    },
  });
  const regen = (...extra: string[]) =>
    site.reaper.track(startIsr(['regen', site.root, '--all', ...extra, ...storeFlags(site.prefix)], { env: site.env() }));
  const regenVia = (endpoint: string) =>
    site.reaper.track(startIsr(['regen', site.root, '--all', ...storeFlags(site.prefix, endpoint)], { env: site.env() }));

  /** Every page object is the render its manifest entry names, and shows the newest render issued. */
  async function bucketCoherent(): Promise<void> {
    const objects = await expectBucketCoherent(site.bucket, PAGES);
    for (let i = 0; i < PAGES; i++)
      expect(renderNumber(objects.get(keys[i]!)!.body.toString('utf8')), `page ${i}`).toBe(site.counter.maxFor(String(i)));
  }

  /** A contender's PUT that takes the lease (not the probe, whose If-Match names no version). */
  const takesLease = (r: ProxiedRequest) =>
    r.kind === 'PUT' && r.key.endsWith('leases/lock.json') && r.headers['if-match'] !== '00000000000000000000000000000000';

  it('gives each round to exactly one run: the others exit 75 (LOCKED) without loading, and the head moves by one generation', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const generation = (await bucketHead(site.bucket))!.head.generation;
      // Each contender talks through its own proxy, which holds its lease-taking PUT: once all N
      // are held, they are let go at once, so the N conditional PUTs reach the server together.
      const proxies = await Promise.all(Array.from({ length: N }, () => startS3Proxy()));
      openProxies.push(...proxies);
      const atTheLease = proxies.map((p) => p.freeze(takesLease));
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const loading = new Set<number>();
      let settled!: () => void;
      const allAnswered = new Promise<void>((resolve) => (settled = resolve));
      let exited = 0;
      // Every contender is accounted for once it has exited or is inside a load (it holds the lease).
      const check = () => exited + loading.size === N && settled();
      site.counter.onRequest = async (pid) => {
        loading.add(pid);
        check();
        await gate;
      };
      const procs = proxies.map((p) => regenVia(p.endpoint));
      for (const p of procs)
        void p.exited.then(() => {
          exited++;
          check();
        });
      await Promise.all(atTheLease.map((held, i) => Promise.race([held, procs[i]!.exited])));
      expect(
        proxies.map((p) => p.held() > 0),
        'every contender at the lease at once',
      ).toEqual(Array(N).fill(true));
      for (const p of proxies) void p.thaw();
      await allAnswered;
      expect(loading.size, 'runs inside load() at once').toBe(1);
      open();
      const results = await Promise.all(procs.map((p) => p.exited));
      await Promise.all(openProxies.splice(0).map((p) => p.close()));
      const codes = results.map((r) => r.code);
      expect(
        codes.filter((c) => c === 0),
        results.map((r) => r.stderr).join('\n'),
      ).toHaveLength(1);
      expect(codes.filter((c) => c === 75)).toHaveLength(N - 1);
      results.forEach((r, i) => {
        if (r.code !== 75) return;
        expect(r.stderr).toMatch(/^isr: .*\[LOCKED\]\n$/);
        expect(site.counter.log.some((e) => e.pid === procs[i]!.child.pid)).toBe(false);
      });
      expect((await bucketHead(site.bucket))!.head.generation).toBe(generation + 1);
      await bucketCoherent();
    }
  }, 300_000);

  it('with --wait, every run publishes in turn and no older render is ever served over a newer one', async () => {
    const generation = (await bucketHead(site.bucket))!.head.generation;
    const watcher = watchBucket(site.bucket, keys, renderNumber);
    const procs = Array.from({ length: N }, () => regen('--wait', '240'));
    const results = await Promise.all(procs.map((p) => p.exited));
    await watcher.stop();
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual(Array(N).fill(0));
    // Runs did not interleave: each pid's loads are one contiguous block of the counter's log.
    const pids = new Set(procs.map((p) => p.child.pid));
    const order = site.counter.log
      .map((e) => e.pid)
      .filter((pid) => pids.has(pid))
      .filter((pid, i, all) => i === 0 || all[i - 1] !== pid);
    expect(new Set(order).size, `loads interleaved: ${order.join(' ')}`).toBe(order.length);
    expect(watcher.problems).toEqual([]);
    expect(watcher.reads).toBeGreaterThan(0);
    expect((await bucketHead(site.bucket))!.head.generation).toBe(generation + N);
    await bucketCoherent();
  }, 300_000);
});
