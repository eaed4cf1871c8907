import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hash } from '../../src/hash.js';
import { readManifestJson } from '../helpers/site.js';
import { dataVersion, genCounterSite, renderNumber, startCounter, type Counter } from './harness/counter-site.js';
import { KeepAliveClient } from './harness/raw-http.js';
import { startServe, type ServeProc } from './harness/serve-proc.js';
import { copyDir, count, report, sleep, startIsr } from './harness/util.js';
import { watchPages } from './harness/watch-pages.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const PAGES = 40;
const SECONDS = count('ISR_REL_LOAD_SECONDS', 2, 10);
const CONNECTIONS = 50;
const HOOK_SECRET = 'load-test-secret';

let counter: Counter;
let base: string;
let root: string;
let srv: ServeProc | undefined;
const env = () => ({ ISR_REL_COUNTER: counter.url, ISR_REVALIDATE_SECRET: HOOK_SECRET });

beforeAll(async () => {
  counter = await startCounter();
  base = await genCounterSite(PAGES, 60);
  const b = await startIsr(['build', base], { now: T0, env: env() }).exited;
  expect(b.code, b.stderr).toBe(0);
});
afterAll(async () => {
  await counter?.close();
  await rm(base, { recursive: true, force: true });
});
beforeEach(async () => {
  root = `${base}-${Math.random().toString(36).slice(2)}`;
  await copyDir(base, root);
  counter.onRequest = undefined;
});
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
  await rm(root, { recursive: true, force: true });
});

/** Wait until no load has been issued for `quietMs` (the server's background runs are done). */
async function settle(quietMs = 600): Promise<void> {
  let seen = -1;
  while (seen !== counter.log.length) {
    seen = counter.log.length;
    await sleep(quietMs);
  }
}

describe('isr serve regenerating under load, with a cron regen on the same site', () => {
  it(`${CONNECTIONS} connections for ${SECONDS} s while pages expire and regenerate: zero failed requests, every response a complete page, never older than one already served`, async () => {
    srv = await startServe(root, { now: T0 + 1000, env: env() });
    const client = new KeepAliveClient(srv.port, CONNECTIONS);
    const files = Array.from({ length: PAGES }, (_, i) => path.join(root, 'dist', 'c', String(i), 'index.html'));
    const watcher = watchPages(files, renderNumber, 5);
    let now = T0 + 1000;
    const end = performance.now() + SECONDS * 1000;
    // Time moves a minute every 250 ms: every page keeps expiring, so requests find stale pages
    // and the server regenerates them in the background while it serves.
    const ticker = (async () => {
      while (performance.now() < end) {
        await sleep(250);
        now += 61_000;
        await srv!.setNow(now);
      }
    })();
    // Cron: back-to-back `isr regen --all --wait` at the server's current time.
    const cron = (async () => {
      const codes: (number | null)[] = [];
      while (performance.now() < end) {
        const r = await startIsr(['regen', root, '--all', '--wait', '60', '--quiet'], { now, env: env() }).exited;
        codes.push(r.code);
        if (r.code !== 0) throw new Error(`cron regen exited ${r.code}: ${r.stderr}`);
      }
      return codes;
    })();
    // Per page, the highest render a completed response showed: a request started later must not
    // get an older one (a newer render is never replaced by an older one, as seen over HTTP).
    const served = new Map<number, number>();
    const failures: string[] = [];
    const cacheStates: Record<string, number> = {};
    const latencies: number[] = [];
    let requests = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        let i = c;
        while (performance.now() < end) {
          const page = (i = (i * 7 + 3) % PAGES);
          const floor = served.get(page) ?? 0;
          const t = performance.now();
          try {
            const res = await client.request(`/c/${page}/`, { timeoutMs: 10_000 });
            latencies.push(performance.now() - t);
            requests++;
            const n = renderNumber(res.body.toString('utf8'));
            const state = String(res.headers['x-isr-cache']);
            cacheStates[state] = (cacheStates[state] ?? 0) + 1;
            if (res.status !== 200) failures.push(`/c/${page}/: HTTP ${res.status}`);
            else if (n === undefined) failures.push(`/c/${page}/: incomplete page (${res.body.length} bytes)`);
            else if (n < floor) failures.push(`/c/${page}/: served render ${n} after render ${floor} had been served`);
            else if (n > (served.get(page) ?? 0)) served.set(page, n);
          } catch (err) {
            failures.push(`/c/${page}/: ${(err as Error).message}`);
          }
        }
      }),
    );
    await ticker;
    const cronCodes = await cron;
    client.close();
    await settle();
    await watcher.stop();
    latencies.sort((a, b) => a - b);
    const serveRenders = counter.log.filter((e) => e.pid === srv!.child.pid).length;
    report('load', {
      connections: CONNECTIONS,
      seconds: SECONDS,
      requests,
      rps: Math.round(requests / SECONDS),
      p50Ms: Math.round(latencies[latencies.length >> 1] ?? 0),
      p99Ms: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
      failed: failures.length,
      cacheStates,
      serveRenders,
      cronRuns: cronCodes.length,
      diskReads: watcher.reads,
      diskProblems: watcher.problems.length,
    });
    expect(failures.slice(0, 10)).toEqual([]);
    expect(watcher.problems.slice(0, 10)).toEqual([]);
    expect(requests).toBeGreaterThan(CONNECTIONS * SECONDS);
    expect(serveRenders, 'the server regenerated expired pages').toBeGreaterThan(0);
    expect(cronCodes.length).toBeGreaterThan(0);
    // Everything settled: each page on disk and over HTTP is the newest render issued for it.
    const m = await readManifestJson(root);
    const check = new KeepAliveClient(srv.port, 4);
    for (let i = 0; i < PAGES; i++) {
      const html = await readFile(files[i]!, 'utf8');
      // Read before the request: the page is past its window at the server's clock, so this very
      // request starts a background regeneration, which may draw a newer number before the
      // response is checked (the response itself is the cached page, as it should be).
      const newest = counter.maxFor(String(i));
      expect(renderNumber(html), `page ${i} on disk`).toBe(newest);
      expect(hash(html), `page ${i}: manifest outputHash`).toBe(m.pages[`/c/${i}/`].outputHash);
      const res = await check.request(`/c/${i}/`);
      expect(renderNumber(res.body.toString('utf8')), `page ${i} over HTTP`).toBe(newest);
    }
    check.close();
    expect(srv.stderr()).not.toMatch(/internal error|\n\s+at /);
  }, 120_000);

  // A webhook for a path whose render is already running must not be absorbed into it: that
  // render may have read the data before the CMS changed it. Calls wait for (and merge into)
  // the next run instead.
  it('a revalidation that arrives while the same page is loading is not absorbed into that (stale) load', async () => {
    srv = await startServe(root, { now: T0 + 1000, env: env() });
    const client = new KeepAliveClient(srv.port, 4);
    const hook = () =>
      client.request('/__isr/revalidate', { method: 'POST', headers: { authorization: `Bearer ${HOOK_SECRET}`, 'content-type': 'application/json' }, body: '{"path":"/c/4/"}' });
    try {
      // The CMS changes page 4 (v1) and calls the webhook; the render's data request is slow.
      counter.version.set('4', 1);
      let arrived!: () => void;
      const loading = new Promise<void>((r) => (arrived = r));
      let first = true;
      counter.onRequest = async (_pid, page) => {
        if (page !== '4' || !first) return;
        first = false;
        arrived();
        await sleep(400);
      };
      const one = hook();
      await loading;
      // While that render is loading (it has read v1), the CMS changes the page again (v2) and
      // calls the webhook again. The answer must come from a render that read v2.
      counter.version.set('4', 2);
      const two = hook();
      expect((await one).status).toBe(200);
      expect((await two).status).toBe(200);
      const page = await client.request('/c/4/');
      expect(dataVersion(page.body.toString('utf8')), 'the page after both webhooks were answered').toBe(2);
    } finally {
      client.close();
    }
  }, 60_000);
});
