import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hash } from '../../src/hash.js';
import { readManifestJson } from '../helpers/site.js';
import { type Counter, dataVersion, genCounterSite, renderNumber, startCounter } from './harness/counter-site.js';
import { KeepAliveClient } from './harness/raw-http.js';
import { type ServeProc, startServe } from './harness/serve-proc.js';
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
  base = await genCounterSite(PAGES, 60, { announceWebhooks: true });
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

/**
 * Wait until the server has finished every background regeneration asked for so far. Each was
 * asked for while its request was answered; a webhook call is queued behind all of them (it
 * never joins a running run), so its answer comes once they are done. Not a quiet period, which
 * is a guess at how long a run may go without loading anything.
 */
async function settle(port: number): Promise<void> {
  const client = new KeepAliveClient(port, 1);
  try {
    const r = await client.request('/__isr/revalidate', {
      method: 'POST',
      headers: { authorization: `Bearer ${HOOK_SECRET}`, 'content-type': 'application/json' },
      body: '{"path":"/c/0/"}',
      timeoutMs: 60_000,
    });
    expect(r.status, 'the webhook call that waits for the queue').toBe(200);
  } finally {
    client.close();
  }
}

/** A hard limit for a load phase that never gets what it needs (not a measure of speed). */
const GIVE_UP_MS = 90_000;

describe('isr serve regenerating under load, with a cron regen on the same site', () => {
  it(`${CONNECTIONS} connections for ${SECONDS} s while pages expire and regenerate: zero failed requests, every response a complete page, never older than one already served`, async () => {
    srv = await startServe(root, { now: T0 + 1000, env: env() });
    const client = new KeepAliveClient(srv.port, CONNECTIONS);
    const files = Array.from({ length: PAGES }, (_, i) => path.join(root, 'dist', 'c', String(i), 'index.html'));
    const watcher = watchPages(files, renderNumber, 5);
    let now = T0 + 1000;
    // The load runs for SECONDS and then until it has done what the test is about: enough
    // requests, the clock moved twice, a cron run done and a regeneration by the server. On a
    // loaded machine that takes longer; how long is never assumed (GIVE_UP_MS only ends a run
    // that cannot get there, and the assertions below then say what was missing).
    const started = performance.now();
    let requests = 0;
    let ticks = 0;
    const cronCodes: (number | null)[] = [];
    const serveRendered = () => counter.log.some((e) => e.pid === srv!.child.pid);
    const enough = () =>
      performance.now() - started >= SECONDS * 1000 &&
      requests > CONNECTIONS * SECONDS &&
      ticks >= 2 &&
      cronCodes.length > 0 &&
      serveRendered();
    const running = () => !enough() && performance.now() - started < GIVE_UP_MS;
    // Time moves a minute every 250 ms (pacing, not ordering): every page keeps expiring, so
    // requests find stale pages and the server regenerates them in the background while it serves.
    const ticker = (async () => {
      while (running()) {
        await sleep(250);
        now += 61_000;
        await srv!.setNow(now);
        ticks++;
      }
    })();
    // Cron: back-to-back `isr regen --all --wait` at the server's current time.
    const cron = (async () => {
      while (running()) {
        const r = await startIsr(['regen', root, '--all', '--wait', '60', '--quiet'], { now, env: env() }).exited;
        cronCodes.push(r.code);
        if (r.code !== 0) throw new Error(`cron regen exited ${r.code}: ${r.stderr}`);
      }
    })();
    // Per page, the highest render a completed response showed: a request started later must not
    // get an older one (a newer render is never replaced by an older one, as seen over HTTP).
    const served = new Map<number, number>();
    const failures: string[] = [];
    const cacheStates: Record<string, number> = {};
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, c) => {
        let i = c;
        while (running()) {
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
    await cron;
    client.close();
    const seconds = (performance.now() - started) / 1000;
    await settle(srv.port);
    await watcher.stop();
    latencies.sort((a, b) => a - b);
    const serveRenders = counter.log.filter((e) => e.pid === srv!.child.pid).length;
    report('load', {
      connections: CONNECTIONS,
      seconds: +seconds.toFixed(1),
      requests,
      rps: Math.round(requests / seconds),
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
    expect(ticks, 'the clock moved while requests ran').toBeGreaterThanOrEqual(2);
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
  }, 240_000);

  // A webhook for a path whose render is already running must not be absorbed into it: that
  // render may have read the data before the CMS changed it. Calls wait for (and merge into)
  // the next run instead.
  it('a revalidation that arrives while the same page is loading is not absorbed into that (stale) load', async () => {
    srv = await startServe(root, { now: T0 + 1000, env: env() });
    const client = new KeepAliveClient(srv.port, 4);
    const hook = (body: object) =>
      client.request('/__isr/revalidate', {
        method: 'POST',
        headers: { authorization: `Bearer ${HOOK_SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    try {
      // The CMS changes page 4 (v1) and calls the webhook; the render's data request is held
      // until the second call below is in the server's queue.
      counter.version.set('4', 1);
      let arrived!: () => void;
      const loading = new Promise<void>((r) => (arrived = r));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let first = true;
      counter.onRequest = async (_pid, page) => {
        if (page !== '4' || !first) return;
        first = false;
        arrived();
        await held;
      };
      const one = hook({ path: '/c/4/' });
      await loading;
      // While that render is loading (it has read v1), the CMS changes the page again (v2) and
      // calls the webhook again. The answer must come from a render that read v2.
      counter.version.set('4', 2);
      const secondIn = counter.arrival('second call');
      const two = hook({ announce: 'second call', page: '/c/4/' });
      await secondIn;
      release();
      expect((await one).status).toBe(200);
      expect((await two).status).toBe(200);
      const page = await client.request('/c/4/');
      expect(dataVersion(page.body.toString('utf8')), 'the page after both webhooks were answered').toBe(2);
    } finally {
      client.close();
    }
  }, 60_000);
});
