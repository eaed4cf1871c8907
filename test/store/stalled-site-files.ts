/**
 * Issue 20 item 2, "no stall can put an older render over a newer one", for what a run in an
 * object store uploads besides its pages: a site file (the sitemap) and a public asset. A run that
 * asserted its lease and then stalled at that file's upload (the in-process stand-in for SIGSTOP)
 * past its lease, while a newer run took the lease over and uploaded newer bytes, must not land
 * its older bytes when it resumes. Run on the memory store (test/unit) and on the real Ceph RGW
 * (test/s3).
 */
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import type { StoreWithClock } from './stalled-holder.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

const post = (slug: string) => `---\ntitle: ${slug}\ndate: 2026-05-01\n---\nThe post ${slug}.\n`;

/** Each case: the file held, and the change each run makes before it builds. */
const cases = [
  {
    what: 'sitemap',
    key: 'sitemap.xml',
    stalledRun: (site: TempSite) => site.write('content/posts/from-the-stalled-run.md', post('from-the-stalled-run')),
    newerRun: (site: TempSite) => site.write('content/posts/from-the-newer-run.md', post('from-the-newer-run')),
    newer: 'from-the-newer-run',
  },
  {
    what: 'public asset',
    key: 'style.css',
    stalledRun: (site: TempSite) => site.write('public/style.css', 'body { color: red } /* the stalled run */\n'),
    newerRun: (site: TempSite) => site.write('public/style.css', 'body { color: blue } /* the newer run, longer */\n'),
    newer: 'the newer run',
  },
];

export function stalledSiteFileTests(makeStore: StoreWithClock): void {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  for (const c of cases) {
    it(`keeps the newer run's ${c.what} when a holder that stalled past its lease resumes its upload`, async () => {
      site = await tempSite('blog');
      let now = T0;
      const store = await makeStore(() => now);
      const config = await loadConfig(site.root);
      const opts = { logger: silentLogger(), command: 'test', store, detect: false, mode: 'build' } as const;
      await runSite(config, { ...opts, now: T0 });

      // A: renders its change, asserts its lease, and stalls at the file's upload.
      const gate = stallAt(store, c.key);
      await c.stalledRun(site);
      const aDone = runSite(config, { ...opts, store: gate.store, now: T0 + 1000, leaseMs: 1000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await gate.stalled;

      // Its lease lapses; B takes it over, makes its own change and publishes.
      now += 60_000;
      await c.newerRun(site);
      await runSite(config, { ...opts, now: T0 + 60_000 });
      const newer = await text(store, c.key);
      expect(newer).toContain(c.newer);

      // A resumes: its upload is refused, its run fails, the file keeps B's bytes.
      gate.resume();
      expect(await aDone).toMatchObject({ code: 'LOCK_LOST' });
      expect(await text(store, c.key)).toBe(newer);
    });
  }
}

async function text(store: SiteStore, key: string): Promise<string> {
  return new TextDecoder().decode((await store.site.get(key))?.body);
}

/** `inner` with its upload of `key` held until `resume()`; `stalled` resolves when it is. */
function stallAt(inner: SiteStore, key: string) {
  let resume!: () => void;
  let stalledNow!: () => void;
  const resumed = new Promise<void>((r) => (resume = r));
  const stalled = new Promise<void>((r) => (stalledNow = r));
  const site = inner.site;
  const store: SiteStore = {
    ...inner,
    site: {
      get: (k) => site.get(k),
      head: (k) => site.head(k),
      list: (p) => site.list(p),
      deleteMany: (k) => site.deleteMany(k),
      ...(site.versionOf ? { versionOf: (b: string | Uint8Array) => site.versionOf!(b) } : {}),
      async put(k, body, o) {
        if (k === key) {
          stalledNow();
          await resumed;
        }
        return site.put(k, body, o);
      },
    },
  };
  return { store, stalled, resume };
}
