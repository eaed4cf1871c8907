/**
 * Issue 20 item 2, "no overlap and no stall can put an older render over a newer one", for the
 * pages of a run in an object store: a run that asserted its lease and then stalled (here: held at
 * its first page upload, the in-process stand-in for SIGSTOP) past its lease, while a newer run
 * took the lease over and published, must not overwrite the newer page when it resumes. Run on
 * the memory store (test/unit) and on the real Ceph RGW (test/s3).
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const PAGE = 'blog/hello-world/index.html';

/** A store whose leases are judged by `clock` and never renewed by a timer (a stalled process renews nothing). */
export type StoreWithClock = (clock: () => number) => Promise<SiteStore>;

export function stalledHolderTests(makeStore: StoreWithClock): void {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  it("keeps the newer run's page when a holder that stalled past its lease resumes its upload", async () => {
    site = await tempSite('blog');
    let now = T0;
    const store = await makeStore(() => now);
    const config = await loadConfig(site.root);
    const opts = { logger: silentLogger(), command: 'test', store, detect: false } as const;
    await runSite(config, { ...opts, mode: 'build', now: T0 });

    // A: renders its edit, asserts its lease, and stalls at the page's upload.
    const gate = stall(store);
    await site.write('content/posts/hello-world.md', `${await site.read('content/posts/hello-world.md')}\nEdit of the stalled run.\n`);
    const a = runSite(config, { ...opts, store: gate.store, mode: 'regen', paths: ['/blog/hello-world/'], now: T0 + 1000, leaseMs: 1000 });
    const aDone = a.then(
      () => undefined,
      (e: unknown) => e,
    );
    await gate.stalled;

    // Its lease lapses; B takes it over, renders a newer edit and publishes.
    now += 60_000;
    await site.write('content/posts/hello-world.md', `${await site.read('content/posts/hello-world.md')}\nEdit of the newer run.\n`);
    await runSite(config, { ...opts, mode: 'regen', paths: ['/blog/hello-world/'], now: T0 + 60_000 });
    const newer = await text(store, PAGE);
    expect(newer).toContain('Edit of the newer run.');

    // A resumes: its upload is refused, its run fails, the page keeps B's bytes.
    gate.resume();
    const err = await aDone;
    expect(err).toMatchObject({ code: expect.stringMatching(/^(LOCK_LOST|PRECONDITION_FAILED)$/) });
    expect(await text(store, PAGE)).toBe(newer);
  });

  it('puts nothing more once it resumes past its lease: only the upload in flight when it stopped lands', async () => {
    site = await tempSite('blog');
    let now = T0;
    // One upload at a time, so that the run is stopped between two of them.
    const store = { ...(await makeStore(() => now)), uploadConcurrency: 1 };
    const config = await loadConfig(site.root);
    const opts = { logger: silentLogger(), command: 'test', store, detect: false } as const;
    await runSite(config, { ...opts, mode: 'build', now: T0 });
    const posts = ['hello-world', 'why-static'];
    for (const p of posts)
      await site.write(`content/posts/${p}.md`, `${await site.read(`content/posts/${p}.md`)}\nEdit of the stalled run.\n`);
    const gate = stall(store);
    const a = runSite(config, {
      ...opts,
      store: gate.store,
      mode: 'regen',
      paths: posts.map((p) => `/blog/${p}/`),
      now: T0 + 1000,
      leaseMs: 1000,
    });
    const aDone = a.then(
      () => undefined,
      (e: unknown) => e,
    );
    await gate.stalled;
    now += 60_000; // its lease lapses while it is stopped
    gate.resume();
    expect(await aDone).toMatchObject({ code: 'LOCK_LOST' });
    const landed = [];
    for (const p of posts) if ((await text(store, `blog/${p}/index.html`)).includes('Edit of the stalled run.')) landed.push(p);
    expect(landed.length).toBeLessThanOrEqual(1);
  });
}

async function text(store: SiteStore, key: string): Promise<string> {
  return new TextDecoder().decode((await store.site.get(key))?.body);
}

/** `store` with its first site upload held until `resume()`; `stalled` resolves when it is. */
function stall(inner: SiteStore) {
  let resume!: () => void;
  let stalledNow!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  const stalled = new Promise<void>((r) => (stalledNow = r));
  let held = false;
  const store: SiteStore = {
    ...inner,
    site: {
      ...inner.site,
      get: (k) => inner.site.get(k),
      head: (k) => inner.site.head(k),
      list: (p) => inner.site.list(p),
      deleteMany: (k) => inner.site.deleteMany(k),
      ...(inner.site.versionOf ? { versionOf: (b: string | Uint8Array) => inner.site.versionOf!(b) } : {}),
      async put(key, body, o) {
        if (!held) {
          held = true;
          stalledNow();
          await resumed;
        }
        return inner.site.put(key, body, o);
      },
    },
  };
  return { store, stalled, resume };
}
