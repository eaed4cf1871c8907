import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genCrashSite, versions, writeData } from './harness/gen-site.js';
import { mountTmpfs, type Tmpfs, tmpfsAvailable } from './harness/tmpfs.js';
import { copyDir, count, diffSnapshots, report, snapshot, startIsr } from './harness/util.js';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T01:00:00Z';
const PAGES = 40;
const why = await tmpfsAvailable();

/** Free blocks to leave: every count from 0 past what the run needs under torture; a spread in npm test. */
const FREE = count('ISR_REL_DISK_ALL', 0, 1) ? Array.from({ length: 70 }, (_, i) => i) : [0, 1, 3, 12, 30, 41, 44, 60];

describe.skipIf(why)(`disk full (a real tmpfs; ${why ?? 'mounted per case'}): a run is all or nothing`, () => {
  let base: string;
  let expected: Map<string, Buffer>;
  let fs: Tmpfs;
  beforeAll(async () => {
    const { v1, v2 } = versions(PAGES, 2);
    base = await genCrashSite(v1, path.join('/tmp', 'isr-rel-disk-'));
    const b = await startIsr(['build', base], { now: T1 }).exited;
    expect(b.code, b.stderr).toBe(0);
    await writeData(base, v2);
    const ref = `${base}-ref`;
    await copyDir(base, ref);
    const r = await startIsr(['regen', ref], { now: T2 }).exited;
    expect(r.code, r.stderr).toBe(0);
    expected = snapshot(path.join(ref, 'dist'));
    await rm(ref, { recursive: true, force: true });
    fs = await mountTmpfs(1024);
  });
  afterAll(async () => {
    await fs?.unmount();
    await rm(base, { recursive: true, force: true });
  });

  it(`regen with 0..${FREE.at(-1)} free blocks: exit 7 WRITE_FAILED with nothing published and the manifest unchanged, or complete success`, async () => {
    const outcomes: Record<string, number> = {};
    for (const blocks of FREE) {
      const root = path.join(fs.dir, 'site');
      await rm(root, { recursive: true, force: true });
      await fs.free();
      await copyDir(base, root);
      const before = snapshot(path.join(root, 'dist'));
      const manifestBefore = await readFile(path.join(root, '.isr', 'manifest.json'));
      await fs.leaveFree(blocks);
      const r = await startIsr(['regen', root], { now: T2 }).exited;
      const where = `with ${blocks} free blocks`;
      const out = snapshot(path.join(root, 'dist'));
      const state = snapshot(path.join(root, '.isr'));
      if (r.code === 0) {
        expect(diffSnapshots(expected, out), where).toEqual([]);
        outcomes.succeeded = (outcomes.succeeded ?? 0) + 1;
      } else {
        expect(r.code, `${where}: ${r.stderr}`).toBe(7);
        expect(r.stderr, where).toMatch(/^isr: .*cannot .*ENOSPC.*\(the disk is full; free space and run again\) \[WRITE_FAILED\]\n$/);
        expect(diffSnapshots(before, out), `${where}: outDir changed`).toEqual([]);
        expect((await readFile(path.join(root, '.isr', 'manifest.json'))).equals(manifestBefore), `${where}: manifest changed`).toBe(true);
        expect(
          [...state.keys()].filter((k) => k.endsWith('.isr-tmp') || k.startsWith('lock')),
          where,
        ).toEqual([]);
        outcomes.refused = (outcomes.refused ?? 0) + 1;
      }
      // Space back: the next run completes the site.
      await fs.free();
      const again = await startIsr(['regen', root], { now: T2 }).exited;
      expect(again.code, `${where}, then freed: ${again.stderr}`).toBe(0);
      expect(diffSnapshots(expected, snapshot(path.join(root, 'dist'))), `${where}, then freed`).toEqual([]);
    }
    report('disk-full', { cases: FREE.length, ...outcomes });
    expect(outcomes.refused).toBeGreaterThan(0);
    expect(outcomes.succeeded).toBeGreaterThan(0);
  }, 300_000);
});
