import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestJson } from '../helpers/site.js';
import { genFaultSite, startUpstream, type Upstream } from './harness/fault-site.js';
import { count, report, startIsr } from './harness/util.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const S = 1000;
/**
 * The load() timeout. The hung loader waits it out on every attempt; every healthy load, and the
 * slow upstream's two 150 ms tries, must finish well inside it however loaded the machine is.
 */
const TIMEOUT_MS = 3000;
/** Failed attempts to drive each faulty page through (5 reaches the cap of 600 s). */
const ATTEMPTS = count('ISR_REL_FAULT_ATTEMPTS', 5, 9);
/** Check "no retry before retryAt" before every attempt (torture) or only the first. */
const EARLY_EVERY_STEP = count('ISR_REL_FAULT_EARLY_ALL', 0, 1) === 1;

const VICTIMS: Record<string, RegExp> = {
  '/f/throws/': /the database refused the connection/,
  '/f/hangs/': new RegExp(`load\\(\\) of /f/hangs/ did not finish within ${TIMEOUT_MS} ms`),
  '/f/garbage/': /templates\/page\.eta:2: template error: .*toUpperCase is not a function/,
  '/h/500/': /GET http:\/\/127\.0\.0\.1:\d+\/items\/500 failed after 2 attempts: HTTP 500/,
  '/h/reset/': /GET http:\/\/127\.0\.0\.1:\d+\/items\/reset failed after 2 attempts: \S/,
  '/h/partial/': /GET http:\/\/127\.0\.0\.1:\d+\/items\/partial failed after 2 attempts: \S/,
  '/h/html/': /GET http:\/\/127\.0\.0\.1:\d+\/items\/html did not return JSON \(content-type text\/html\)/,
  '/h/slow/': /GET http:\/\/127\.0\.0\.1:\d+\/items\/slow failed after 2 attempts: timed out after 150 ms/,
};
const HEALTHY = ['/f/ok1/', '/f/ok2/', '/h/ok1/', '/h/ok2/'];
const fileOf = (p: string) => `${p.slice(1)}index.html`;

describe('data faults: the last good page stays, the error is recorded, retries back off, others move on', () => {
  let root: string;
  let up: Upstream;
  const regen = async (now: number) => {
    const r = await startIsr(['regen', root], { now, env: { ISR_REL_UPSTREAM: up.url, ISR_LOAD_TIMEOUT_MS: String(TIMEOUT_MS) } });
    // A guard against a regen that never exits, not a measure of speed: generous.
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 60_000);
    const res = await r.exited;
    clearTimeout(timer);
    if (res.signal) throw new Error(`regen at ${new Date(now).toISOString()} did not exit within 60 s (killed): ${res.stderr}`);
    return res;
  };
  const setLocal = (version: number, on: boolean) => writeFile(path.join(root, 'faults.json'), JSON.stringify({ version, on }));
  const manifest = () => readManifestJson(root);
  const page = (p: string) => readFile(path.join(root, 'dist', fileOf(p)), 'utf8');
  const calls = async () => (await readFile(path.join(root, 'calls.log'), 'utf8')).split('\n').filter(Boolean);
  const victimIds = Object.keys(VICTIMS).map((p) => p.split('/')[2]!);
  const victimCalls = async () => (await calls()).filter((id) => victimIds.includes(id)).length;
  const victimHits = () => victimIds.reduce((n, id) => n + (up.hits.get(id) ?? 0), 0);
  const victimEntries = (m: any) => Object.keys(VICTIMS).map((p) => m.pages[p]);

  beforeAll(async () => {
    up = await startUpstream();
    root = await genFaultSite();
    await setLocal(1, false);
    const b = await startIsr(['build', root], { now: T0, env: { ISR_REL_UPSTREAM: up.url } }).exited;
    expect(b.code, b.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await up?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it(`8 faults (loader throws / hangs / garbage; upstream 500 / reset / partial body / HTML / slow) through ${ATTEMPTS} attempts and recovery`, async () => {
    const good = new Map<string, string>();
    for (const p of Object.keys(VICTIMS)) good.set(p, await page(p));
    for (const p of [...Object.keys(VICTIMS), ...HEALTHY]) expect(await page(p)).toContain('version 1');

    // The upstreams go bad for the victims; everything else has new data (version 2).
    await setLocal(2, true);
    up.state = { version: 2, on: true };
    let now = T0 + 600 * S;
    const schedule: { attempt: number; at: number; retryInS: number }[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const r = await regen(now);
      const where = `attempt ${attempt} at ${new Date(now).toISOString()}`;
      expect(r.code, `${where}: ${r.stderr}`).toBe(1);
      // The hung loader's timer would keep the process up forever; the CLI leaves after a grace period.
      expect(r.stderr, where).toContain('warning exiting although a data source still has work running');
      const m = await manifest();
      let retryAt = 0;
      for (const [p, re] of Object.entries(VICTIMS)) {
        const e = m.pages[p];
        expect(r.stderr, where).toContain(p);
        expect(e.status, `${where} ${p}`).toBe('error');
        expect(e.error, `${where} ${p}`).toMatch(re);
        expect(e.attempts, `${where} ${p}`).toBe(attempt);
        // 1 min, doubling per attempt, capped at the page's revalidate (600 s).
        expect(e.retryAt - now, `${where} ${p}`).toBe(Math.min(600, 60 * 2 ** (attempt - 1)) * S);
        expect(await page(p), `${where} ${p}: the last good page stays`).toBe(good.get(p));
        retryAt = e.retryAt;
      }
      for (const p of HEALTHY) {
        expect(m.pages[p].status, `${where} ${p}`).toBe('ok');
        expect(await page(p), `${where} ${p}`).toContain('version 2');
      }
      schedule.push({ attempt, at: now, retryInS: (retryAt - now) / S });

      if (attempt === 1 || EARLY_EVERY_STEP) {
        // Just before retryAt: no faulty page is retried (no load call, no upstream request) and
        // its entry and file stay as they are. (Healthy pages may be due by then: they render.)
        const before = { calls: await victimCalls(), hits: victimHits(), entries: JSON.stringify(victimEntries(m)) };
        const early = await regen(retryAt - 1);
        expect(early.code, early.stderr).toBe(0);
        expect(await victimCalls(), 'loader calls before retryAt').toBe(before.calls);
        expect(victimHits(), 'upstream requests before retryAt').toBe(before.hits);
        expect(JSON.stringify(victimEntries(await manifest()))).toBe(before.entries);
        for (const p of Object.keys(VICTIMS)) expect(await page(p), `${p} before retryAt`).toBe(good.get(p));
      }
      now = retryAt;
    }

    // The upstreams recover (with newer data): the next retry succeeds and clears the error.
    await setLocal(3, false);
    up.state = { version: 3, on: false };
    const r = await regen(now);
    expect(r.code, r.stderr).toBe(0);
    const m = await manifest();
    for (const p of Object.keys(VICTIMS)) {
      const e = m.pages[p];
      expect(e.status, p).toBe('ok');
      expect(e).not.toHaveProperty('error');
      expect(e).not.toHaveProperty('attempts');
      expect(e).not.toHaveProperty('retryAt');
      expect(await page(p), p).toContain('version 3');
    }
    report('data-faults', { faults: Object.keys(VICTIMS).length, attempts: ATTEMPTS, schedule: schedule.map((s) => s.retryInS) });
  }, 300_000);
});
