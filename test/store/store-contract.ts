/**
 * What every store must do (src/store/store.ts), as a suite any implementation runs:
 * `describeStoreContract('fs', makeSiteStore)`. The filesystem and memory stores run it here
 * (fs-store.test.ts, memory-store.test.ts); the S3 store runs it against the real Ceph RGW.
 * Time is a clock the suite moves (`ctx.clock`), never a sleep.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listKeys, type SiteStore } from '../../src/store/store.js';

export interface ContractContext {
  /** The time leases are judged by: make the store's leases read it. */
  clock: () => number;
}

export interface ContractOptions {
  /**
   * A holder whose lease lapsed is taken over by the next acquire. The filesystem store says no
   * for a holder on its own host that is still alive (its pid is better evidence than a clock);
   * that holder still fails `assertHeld`, which the suite checks for every store.
   */
  takesOverLapsedLease?: boolean;
  /** Metadata comes back from get/head (the filesystem store has nowhere to keep it). */
  keepsMeta?: boolean;
  /**
   * A version is a hash of the bytes (S3's ETag, their MD5), so two writes of identical bytes
   * share it; otherwise every write gets a new version. isr's state objects never repeat their
   * bytes (a head names its own generation), so either serves the preconditions.
   */
  versionIsContentHash?: boolean;
  /** Called after each test (delete a bucket prefix, a temp folder). */
  dispose?: (store: SiteStore) => Promise<void> | void;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export function describeStoreContract(
  name: string,
  makeSiteStore: (ctx: ContractContext) => Promise<SiteStore> | SiteStore,
  options: ContractOptions = {},
): void {
  describe(`store contract: ${name}`, () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    let s: SiteStore;
    beforeEach(async () => {
      now = Date.parse('2026-06-01T00:00:00Z');
      s = await makeSiteStore({ clock: () => now });
    });
    afterEach(async () => {
      await options.dispose?.(s);
    });

    it('gives undefined for a key never written, from get and head', async () => {
      expect(await s.site.get('nothing/here.html')).toBeUndefined();
      expect(await s.state.head('nothing.json')).toBeUndefined();
    });

    it('gives back the bytes it was given, with the version put resolved to', async () => {
      const v = await s.site.put('blog/x/index.html', bytes('<h1>x</h1>'));
      const got = await s.site.get('blog/x/index.html');
      expect(text(got?.body)).toBe('<h1>x</h1>');
      expect(got).toMatchObject({ key: 'blog/x/index.html', version: v, size: 10 });
      expect(await s.site.head('blog/x/index.html')).toMatchObject({ key: 'blog/x/index.html', version: v, size: 10 });
    });

    it(
      options.versionIsContentHash ? 'gives new bytes a new version, identical bytes the same one' : 'gives each write a new version',
      async () => {
        const a = await s.state.put('manifest.json', bytes('{"a":1}'));
        const b = await s.state.put('manifest.json', bytes('{"a":1}'));
        const c = await s.state.put('manifest.json', bytes('{"a":2}'));
        if (options.versionIsContentHash) expect(b).toBe(a);
        else expect(b).not.toBe(a);
        expect(c).not.toBe(b);
      },
    );

    it('writes ifAbsent only when no object has the key', async () => {
      const v = await s.state.put('head.json', bytes('first'), { if: { ifAbsent: true } });
      await expect(s.state.put('head.json', bytes('second'), { if: { ifAbsent: true } })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      expect(text((await s.state.get('head.json'))?.body)).toBe('first');
      expect((await s.state.head('head.json'))?.version).toBe(v);
    });

    it('replaces ifVersion only the version that was read, and never an absent object', async () => {
      const v1 = await s.state.put('head.json', bytes('one'));
      const v2 = await s.state.put('head.json', bytes('two'), { if: { ifVersion: v1 } });
      // A writer that read v1 and comes late publishes nothing over v2.
      await expect(s.state.put('head.json', bytes('stale'), { if: { ifVersion: v1 } })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      expect(text((await s.state.get('head.json'))?.body)).toBe('two');
      await expect(s.state.put('gone.json', bytes('x'), { if: { ifVersion: v2 } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
      expect(await s.state.head('gone.json')).toBeUndefined();
    });

    it('lets exactly one of two writers that read the same version publish', async () => {
      const v = await s.state.put('head.json', bytes('base'));
      const results = await Promise.allSettled([
        s.state.put('head.json', bytes('A'), { if: { ifVersion: v } }),
        s.state.put('head.json', bytes('B'), { if: { ifVersion: v } }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(text((await s.state.get('head.json'))?.body)).toBe(winner === 0 ? 'A' : 'B');
    });

    it('takes a staged file as the body of a put', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'isr-contract-'));
      try {
        const file = path.join(dir, 'staged.html');
        writeFileSync(file, '<p>staged</p>');
        const v = await s.site.put('a/b.html', { file });
        expect(text((await s.site.get('a/b.html'))?.body)).toBe('<p>staged</p>');
        expect((await s.site.head('a/b.html'))?.version).toBe(v);
        expect(existsSync(file)).toBe(false); // consumed: renamed into place, or uploaded and removed
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('lists the objects under a prefix, in key order, and nothing else', async () => {
      for (const k of ['blog/b/index.html', 'blog/a/index.html', 'blogroll.html', 'about/index.html']) await s.site.put(k, bytes(k));
      expect(await listKeys(s.site, 'blog/')).toEqual(['blog/a/index.html', 'blog/b/index.html']);
      expect(await listKeys(s.site, 'blog')).toEqual(['blog/a/index.html', 'blog/b/index.html', 'blogroll.html']);
      const all = await listKeys(s.site, '');
      expect(all).toEqual([...all].sort());
      expect(all).toHaveLength(4);
    });

    it('deletes a batch, absent keys included, twice without complaint', async () => {
      await s.site.put('x/1.html', bytes('1'));
      await s.site.put('x/2.html', bytes('2'));
      await s.site.put('y.html', bytes('y'));
      await s.site.deleteMany(['x/1.html', 'x/2.html', 'never.html']);
      await s.site.deleteMany(['x/1.html']);
      expect(await listKeys(s.site, '')).toEqual(['y.html']);
      expect(await s.site.get('x/1.html')).toBeUndefined();
    });

    it('keeps the site and the state apart', async () => {
      await s.state.put('manifest.json', bytes('{}'));
      expect(await s.site.get('manifest.json')).toBeUndefined();
      expect(await listKeys(s.site, '')).toEqual([]);
    });

    it.runIf(options.keepsMeta ?? true)('gives back the metadata it was given', async () => {
      const meta = { contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=60', surrogateKeys: ['blog'] };
      await s.site.put('m.html', bytes('m'), { meta });
      expect((await s.site.get('m.html'))?.meta).toEqual(meta);
      expect((await s.site.head('m.html'))?.meta).toEqual(meta);
    });

    it('refuses a key that could leave the store', async () => {
      for (const bad of ['/abs.html', '../up.html', 'a/../../b', 'a//b', '']) {
        await expect(s.site.put(bad, bytes('x'))).rejects.toThrow(/Invariant/);
      }
    });

    describe('leases', () => {
      it('has one holder at a time, and the next once it is released', async () => {
        const a = await s.leases.acquire('lock', { owner: 'run A', ttlMs: 60_000 });
        expect(a.owner).toBe('run A');
        expect(a.expiresAt).toBe(now + 60_000);
        await expect(s.leases.acquire('lock', { owner: 'run B', ttlMs: 60_000 })).rejects.toMatchObject({ code: 'LOCKED' });
        a.assertHeld();
        await a.release();
        const b = await s.leases.acquire('lock', { owner: 'run B', ttlMs: 60_000 });
        expect(b.version).not.toBe(a.version);
        expect(() => a.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
        await b.release();
      });

      it('hands the lease to a waiter when its holder releases it', async () => {
        const a = await s.leases.acquire('lock', { owner: 'run A', ttlMs: 60_000 });
        const waiting = s.leases.acquire('lock', { owner: 'run B', ttlMs: 60_000, waitMs: 20_000 });
        await a.release();
        const b = await waiting;
        expect(b.owner).toBe('run B');
        await b.release();
      });

      it('extends the lease on renew, and fails assertHeld once it lapsed', async () => {
        const a = await s.leases.acquire('lock', { owner: 'run A', ttlMs: 60_000 });
        now += 30_000;
        await a.renew();
        expect(a.expiresAt).toBe(now + 60_000);
        now += 60_001;
        expect(() => a.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
        await a.release();
      });

      it.runIf(options.takesOverLapsedLease ?? true)('lets a lapsed holder be taken over, which that holder then learns', async () => {
        const a = await s.leases.acquire('lock', { owner: 'run A', ttlMs: 60_000 });
        now += 60_001;
        const b = await s.leases.acquire('lock', { owner: 'run B', ttlMs: 60_000 });
        expect(b.recovered).toBe(true);
        expect(() => a.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
        await a.release(); // not a's to release any more: b keeps it
        b.assertHeld();
        await expect(s.leases.acquire('lock', { owner: 'run C', ttlMs: 60_000 })).rejects.toMatchObject({ code: 'LOCKED' });
        await b.release();
      });

      it('keeps leases of different names apart', async () => {
        const a = await s.leases.acquire('lock', { owner: 'run', ttlMs: 60_000 });
        const b = await s.leases.acquire('other-lease', { owner: 'cache', ttlMs: 60_000 });
        await a.release();
        await b.release();
      });
    });
  });
}
