/**
 * The S3 lease and the commit point under contention, against the real Ceph RGW: each contender
 * is its own store (its own client, its own probe), as separate runners would be.
 */
import { afterEach, expect, it } from 'vitest';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import type { Lease, SiteStore } from '../../src/store/store.js';
import { describeS3, emptyStore, S3, uniquePrefix } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describeS3('S3 lease race (Ceph RGW)', () => {
  let now = Date.parse('2026-06-01T00:00:00Z');
  const opened: SiteStore[] = [];
  /** `n` stores over one prefix: n runners of one site. */
  const runners = (n: number, prefix = uniquePrefix('race')) =>
    Array.from({ length: n }, () => {
      const s = openS3SiteStore({
        bucket: S3.bucket,
        endpoint: S3.endpoint,
        region: S3.region,
        credentials: S3.credentials,
        prefix,
        clock: () => now,
      });
      opened.push(s);
      return s;
    });
  afterEach(async () => {
    if (opened[0]) await emptyStore(opened[0]);
    opened.length = 0;
    now = Date.parse('2026-06-01T00:00:00Z');
  });

  async function race(stores: SiteStore[]): Promise<{ winners: Lease[]; codes: string[] }> {
    const results = await Promise.allSettled(stores.map((s, i) => s.leases.acquire('lock', { owner: `runner ${i}`, ttlMs: 60_000 })));
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code?: string }).code ?? String(r.reason)] : []));
    return { winners, codes };
  }

  it('gives a lease nobody ever took to exactly one of 20 contenders', async () => {
    const { winners, codes } = await race(runners(20));
    expect(winners).toHaveLength(1);
    expect(codes).toEqual(Array(19).fill('LOCKED'));
    await winners[0]!.release();
  });

  it('gives a released lease, and then a lapsed one, to exactly one of 20 contenders', async () => {
    const stores = runners(21);
    const first = await stores[20]!.leases.acquire('lock', { owner: 'first', ttlMs: 60_000 });
    await first.release();
    const released = await race(stores.slice(0, 20));
    expect(released.winners).toHaveLength(1);
    expect(released.codes).toEqual(Array(19).fill('LOCKED'));
    expect(released.winners[0]!.recovered).toBe(false);

    now += 60_001; // the winner stalls past its lease
    const lapsed = await race(stores.slice(0, 20));
    expect(lapsed.winners).toHaveLength(1);
    expect(lapsed.winners[0]!.recovered).toBe(true);
    expect(() => released.winners[0]!.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
    await expect(released.winners[0]!.renew()).rejects.toMatchObject({ code: 'LOCK_LOST' });
    await lapsed.winners[0]!.release();
  });

  it('renews and releases in turn when the timer, the run and the release overlap', async () => {
    const [a, b] = runners(2) as [SiteStore, SiteStore];
    const lease = await a.leases.acquire('lock', { owner: 'A', ttlMs: 60_000 });
    now += 1000;
    await Promise.all([lease.renew(), lease.renew(), lease.renew()]);
    lease.assertHeld();
    expect(lease.expiresAt).toBe(now + 60_000);
    now += 1000;
    await Promise.all([lease.renew(), lease.release()]);
    const next = await b.leases.acquire('lock', { owner: 'B', ttlMs: 60_000 });
    expect(next.recovered).toBe(false);
    await next.release();
  });

  it('keeps a stalled holder whose lease lapsed from publishing over its successor', async () => {
    const [a, b] = runners(2) as [SiteStore, SiteStore];
    const v0 = await a.state.put('manifest/head.json', bytes('{"generation":1}'));
    // A takes the lease and reads the head, then stalls (no renewal) past its lease.
    const leaseA = await a.leases.acquire('lock', { owner: 'A', ttlMs: 60_000 });
    const readByA = (await a.state.head('manifest/head.json'))!.version;
    expect(readByA).toBe(v0);
    now += 60_001;
    // B takes over and publishes a newer head at its commit point.
    const leaseB = await b.leases.acquire('lock', { owner: 'B', ttlMs: 60_000 });
    expect(leaseB.recovered).toBe(true);
    const readByB = (await b.state.head('manifest/head.json'))!.version;
    await b.state.put('manifest/head.json', bytes('{"generation":2}'), { if: { ifVersion: readByB } });
    // A wakes: its lease says so, and even a commit that skipped the check would fail.
    expect(() => leaseA.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
    await expect(
      a.state.put('manifest/head.json', bytes('{"generation":2,"stale":true}'), { if: { ifVersion: readByA } }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    // Its release is a conditional PUT that fails: a DELETE (whose If-Match RGW ignores) would drop B's lease.
    await leaseA.release();
    expect(new TextDecoder().decode((await b.state.get('manifest/head.json'))!.body)).toBe('{"generation":2}');
    leaseB.assertHeld();
    await expect(a.leases.acquire('lock', { owner: 'A again', ttlMs: 60_000 })).rejects.toMatchObject({ code: 'LOCKED' });
    await leaseB.release();
  });
});
