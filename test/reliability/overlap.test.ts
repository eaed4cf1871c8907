import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hash } from '../../src/hash.js';
import { REPO, readManifestJson } from '../helpers/site.js';
import { type Counter, genCounterSite, renderNumber, startCounter } from './harness/counter-site.js';
import { copyDir, count, report, snapshot, startIsr } from './harness/util.js';
import { watchPages } from './harness/watch-pages.js';

const PAGES = 40;
const NOW = '2026-01-01T00:00:00Z';
const ROUNDS = count('ISR_REL_OVERLAP_ROUNDS', 1, 10);

let counter: Counter;
let base: string;
let root: string;
const env = () => ({ ISR_REL_COUNTER: counter.url });
const pageFile = (i: number) => path.join(root, 'dist', 'c', String(i), 'index.html');

beforeAll(async () => {
  counter = await startCounter();
  base = await genCounterSite(PAGES);
  const r = await startIsr(['build', base], { now: NOW, env: env() }).exited;
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await counter?.close();
  await rm(base, { recursive: true, force: true });
});
beforeEach(async () => {
  root = `${base}-copy-${Math.random().toString(36).slice(2)}`;
  await copyDir(base, root);
  counter.onRequest = undefined;
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** The manifest parses and every entry's outputHash is the hash of the file it names. */
async function manifestTrue(): Promise<void> {
  const m = await readManifestJson(root);
  expect(Object.keys(m.pages)).toHaveLength(PAGES);
  for (const [p, e] of Object.entries<any>(m.pages)) {
    const bytes = await readFile(path.join(root, 'dist', e.file));
    expect(hash(bytes), `${p}: manifest outputHash vs file`).toBe(e.outputHash);
  }
}

/** Each page shows the last render issued for it: the newest load won, nothing older replaced it. */
async function newestWon(): Promise<void> {
  for (let i = 0; i < PAGES; i++) {
    const n = renderNumber(await readFile(pageFile(i), 'utf8'));
    expect(n, `page ${i}`).toBe(counter.maxFor(String(i)));
  }
}

/** Pids whose loads interleave with another pid's (empty when runs were serialised). */
function interleaved(pids: number[]): number[] {
  const seq = counter.log.filter((e) => pids.includes(e.pid)).map((e) => e.pid);
  const seen = new Set<number>();
  const bad = new Set<number>();
  for (let i = 0; i < seq.length; i++) {
    if (i > 0 && seq[i] !== seq[i - 1]) {
      if (seen.has(seq[i]!)) bad.add(seq[i]!);
    }
    seen.add(seq[i]!);
  }
  return [...bad];
}

async function overlap(n: number, wait: boolean) {
  const files = Array.from({ length: PAGES }, (_, i) => pageFile(i));
  const watcher = watchPages(files, renderNumber);
  const procs = Array.from({ length: n }, () =>
    startIsr(['regen', root, '--all', ...(wait ? ['--wait', '60'] : [])], { now: NOW, env: env() }),
  );
  const results = await Promise.all(procs.map((p) => p.exited));
  await watcher.stop();
  return { pids: procs.map((p) => p.child.pid!), results, watcher };
}

describe('overlapping regen runs on one site', () => {
  for (const n of [2, 5]) {
    it(`${n} at once without --wait: one wins, the others exit 75 before loading anything; nothing older lands over newer`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { pids, results, watcher } = await overlap(n, false);
        const codes = results.map((r) => r.code);
        expect(
          codes.every((c) => c === 0 || c === 75),
          `exit codes ${codes}: ${results.map((r) => r.stderr).join('\n')}`,
        ).toBe(true);
        expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(1);
        results.forEach((r, i) => {
          if (r.code !== 75) return;
          expect(r.stderr).toMatch(
            /^isr: .*another isr run holds the lock \(isr regen, pid \d+ .*\(wait for it to finish, or pass --wait SECONDS\) \[LOCKED\]\n$/,
          );
          // The lock is taken before any data is loaded: a refused run costs the upstream nothing.
          expect(counter.log.some((e) => e.pid === pids[i])).toBe(false);
        });
        expect(interleaved(pids)).toEqual([]);
        expect(watcher.problems).toEqual([]);
        await newestWon();
        await manifestTrue();
        report('overlap', { case: `${n} without --wait`, round, codes, reads: watcher.reads });
      }
    });

    it(`${n} at once with --wait: all succeed, strictly one after another, newest render wins`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { pids, results, watcher } = await overlap(n, true);
        expect(
          results.map((r) => r.code),
          results.map((r) => r.stderr).join('\n'),
        ).toEqual(Array(n).fill(0));
        // Each run loaded every page, and no two runs' loads interleave.
        for (const pid of pids) expect(counter.log.filter((e) => e.pid === pid)).toHaveLength(PAGES);
        expect(interleaved(pids)).toEqual([]);
        expect(watcher.problems).toEqual([]);
        await newestWon();
        await manifestTrue();
        report('overlap', { case: `${n} with --wait`, round, reads: watcher.reads });
      }
    });
  }

  it('a lock left by a SIGKILLed run is taken over by the next run, which sweeps its temp files', async () => {
    // Kill a regen at the instant it asks for its first page's data (it holds the lock then).
    const victim = startIsr(['regen', root, '--all'], { now: NOW, env: env() });
    let killed = false;
    counter.onRequest = async (pid) => {
      if (pid === victim.child.pid && !killed) {
        killed = true;
        victim.child.kill('SIGKILL');
        await victim.exited; // answered only once nobody is there to read it
      }
    };
    const v = await victim.exited;
    expect(v.signal).toBe('SIGKILL');
    const owner = JSON.parse(await readFile(path.join(root, '.isr', 'lock', 'owner.json'), 'utf8'));
    expect(owner.pid).toBe(victim.child.pid);
    // A temp file like the ones the dead run could have staged.
    await writeFile(path.join(root, 'dist', 'c', '3', `.index.html.${owner.pid}.0badc0de.isr-tmp`), '<!doctype html><p>half');
    await writeFile(path.join(root, '.isr', `.manifest.json.${owner.pid}.0badc0de.isr-tmp`), '{"version":1,');
    counter.onRequest = undefined;
    const next = await startIsr(['regen', root, '--all'], { now: NOW, env: env() }).exited;
    expect(next.code, next.stderr).toBe(0);
    const after = snapshot(root);
    expect([...after.keys()].filter((k) => k.endsWith('.isr-tmp') || k.startsWith('.isr/lock'))).toEqual([]);
    await newestWon();
    await manifestTrue();
  });

  it('debris of interrupted lock operations is cleared, and a takeover killed midway still gets the dead run swept', async () => {
    // A takeover killed between moving the dead lock aside and deleting it: the dead run's lock
    // aside, no lock, the dead run's temp files. And a run killed while preparing its lock.
    const dead = { pid: 2 ** 22 + 17, host: hostname(), token: 't', startedAt: 0, command: 'isr regen' };
    const aside = path.join(root, '.isr', 'lock.stale-0123456789ab');
    await mkdir(aside, { recursive: true });
    await writeFile(path.join(aside, 'owner.json'), JSON.stringify(dead));
    const prepared = path.join(root, '.isr', 'lock.new-0123456789abcdef');
    await mkdir(prepared, { recursive: true });
    await writeFile(path.join(prepared, 'owner.json'), JSON.stringify({ ...dead, token: 'u' }));
    await writeFile(path.join(root, 'dist', 'c', '5', '.index.html.4194321.feedf00d.isr-tmp'), '<!doctype html><p>half');
    await writeFile(path.join(root, '.isr', '.manifest.json.4194321.feedf00d.isr-tmp'), '{');
    const r = await startIsr(['regen', root, '--all'], { now: NOW, env: env() }).exited;
    expect(r.code, r.stderr).toBe(0);
    expect([...snapshot(root).keys()].filter((k) => k.endsWith('.isr-tmp') || k.startsWith('.isr/lock'))).toEqual([]);
    await manifestTrue();
  });

  for (const dieRate of [0, 0.03]) {
    const title =
      dieRate === 0
        ? 'the lock excludes under CPU starvation: 6 processes x many acquisitions, never two holders, never a crash'
        : 'the lock excludes while holders die: holders SIGKILL themselves at random, the others take over, never two holders';
    it(title, async () => {
      const stateDir = path.join(root, '.isr');
      await mkdir(stateDir, { recursive: true });
      const target = 6 * count('ISR_REL_LOCK_ROUNDS', 25, 300);
      const script = path.join(REPO, 'test', 'reliability', 'harness', 'lock-stress.mjs');
      const dist = process.env.ISR_REL_LOCK_DIST ?? path.join(REPO, 'dist');
      // Busy processes on every core, so a contender can be descheduled at any instant (this is
      // what exposed a lock being created, or changing hands, taken for an abandoned one).
      const hogs = Array.from({ length: 2 }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      let done = 0;
      let deaths = 0;
      const violations: string[] = [];
      // Keep 6 contenders running (a dead one is replaced) until `target` holds have completed.
      const contender = async (): Promise<void> => {
        while (done < target && violations.length === 0) {
          const child = spawn(process.execPath, [script, stateDir, String(Math.ceil(target / 6)), dist, String(dieRate)], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let err = '';
          child.stderr!.on('data', (c) => (err += c));
          child.stdout!.on('data', (c: Buffer) => {
            for (const line of c.toString().split('\n').filter(Boolean)) {
              if (line === 'ok') done++;
              else if (line === 'dying') deaths++;
              else violations.push(line);
            }
          });
          const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (c, s) => r([c, s])));
          if (code !== 0 && signal !== 'SIGKILL')
            violations.push(`contender crashed (${code}): ${err.split('\n').find((l) => l.startsWith('Error')) ?? err.slice(0, 300)}`);
        }
      };
      try {
        await Promise.all(Array.from({ length: 6 }, contender));
      } finally {
        for (const h of hogs) h.kill('SIGKILL');
      }
      report('lock-stress', { processes: 6, holds: done, deaths, violations: violations.length });
      expect(violations).toEqual([]);
      if (dieRate) expect(deaths).toBeGreaterThan(0);
    }, 600_000);
  }
});
