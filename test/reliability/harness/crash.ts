/**
 * Crash consistency: start `isr build` / `isr regen` on a generated 2,000-page site, SIGKILL it at
 * a seeded random instant, check what a reader (a static host, `isr serve`) would see right then,
 * then run the same command again and check the site is exactly what an uninterrupted run makes.
 *
 * The rules checked after a kill are the ones RELIABILITY.md states:
 *  - every file in outDir is either a temp file (`.<name>.<pid>.<hex>.isr-tmp`, never served) or a
 *    complete page, byte-identical to the old (v1) or new (v2) render of that path;
 *  - no page that exists before and after the run is ever missing;
 *  - the manifest parses, is the old or the new one, and agrees with the files: each entry with a
 *    file points at an existing complete file whose hash is the entry's outputHash, or at a newer
 *    complete render (published before the manifest was written); never at an older one;
 *  - a file no entry claims is a new page published just before the crash (manifest still old),
 *    a derived site file, or listed in `pendingRemovals`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { hash } from '../../../src/hash.js';
import { readManifestJson } from '../../helpers/site.js';
import { type GenData, genCrashSite, versions, writeData } from './gen-site.js';
import { copyDir, diffSnapshots, killAfter, scratchDir, sleep, snapshot, startIsr } from './util.js';

export const T1 = '2026-01-01T00:00:00.000Z';
export const T2 = '2026-01-01T01:00:00.000Z';
const TEMP = /(^|\/)\.[^/]+\.isr-tmp$/;
const SITE_FILES = new Set(['sitemap.xml', '_headers', '_redirects']);
/** A shard's sitemap (the 2000-page site is split in shards: sitemap.xml is their index). */
const SHARD_SITEMAP = /^sitemap-[0-9a-f]+\.xml$/;
/** Files among the first staged (so the first renamed) in both build and regen plans. */
const PUBLISH_SIGNALS = ['index.html', 'p/0/index.html', 'p/1/index.html', 'p/10/index.html', 'p/100/index.html', 'sitemap.xml'];

export type Command = 'build' | 'regen';

interface Reference {
  out: Map<string, Buffer>;
  manifest: any;
}

export interface CrashFixture {
  work: string;
  /** The v1 site, built at T1 (outDir + .isr), with v2 data already in place: copy, then run. */
  base: string;
  v1: Reference;
  /** What an uninterrupted run makes from `base` at T2 (build and regen must agree exactly). */
  v2: Reference;
  /** Duration of each command (spawn → exit, ms) and when it began publishing / wrote the manifest. */
  timing: Record<Command, Timing>;
  cleanup(): Promise<void>;
}

/** Outcome of one trial, for the histogram in the torture report. */
export type Phase =
  | 'finished-before-kill'
  | 'before-publish'
  | 'mid-publish'
  | 'published-manifest-old'
  | 'manifest-new-removals-pending'
  | 'manifest-new';

export interface Timing {
  /** Latest estimate of an uninterrupted run, ms: calibration first, then observed full runs. */
  total: number;
  /** From the first published file to the end of the run, ms (calibration). */
  publishMs: number;
  /** Fractions of `total` at which publishing starts and the manifest is written. */
  publishFrac: number;
  manifestFrac: number;
  samples: number[];
}

async function measure(root: string, command: Command, pollFiles: string[]): Promise<Timing> {
  const inodes = new Map<string, number>();
  for (const f of pollFiles) inodes.set(f, (await stat(path.join(root, f)).catch(() => undefined))?.ino ?? -1);
  const started = performance.now();
  let publishFrom = Infinity;
  let manifestAt = Infinity;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      for (const f of pollFiles) {
        const ino = (await stat(path.join(root, f)).catch(() => undefined))?.ino ?? -1;
        if (ino !== inodes.get(f)) {
          const t = performance.now() - started;
          if (f.endsWith('manifest.json')) manifestAt = Math.min(manifestAt, t);
          else publishFrom = Math.min(publishFrom, t);
        }
      }
      await sleep(5);
    }
  })();
  const proc = startIsr([command, root], { now: T2 });
  const r = await proc.exited;
  const total = performance.now() - started;
  polling = false;
  await poll;
  if (r.code !== 0) throw new Error(`calibration ${command} failed (${r.code}): ${r.stderr}`);
  publishFrom = Math.min(publishFrom, total);
  return {
    total,
    publishMs: total - publishFrom,
    publishFrac: publishFrom / total,
    manifestFrac: Math.min(manifestAt, total) / total,
    samples: [total],
  };
}

/** Build v1 once, then run each command uninterrupted (concurrently, as the trials will be). */
export async function prepareCrashFixture(pages: number): Promise<CrashFixture> {
  const { v1, v2 } = versions(pages);
  const work = await mkdtemp(path.join(scratchDir(), 'isr-rel-crash-work-'));
  const gen = await genCrashSite(v1, path.join(work, 'gen-'));
  const base = path.join(work, 'base');
  await copyDir(gen, base);
  await rm(gen, { recursive: true, force: true });
  const built = await startIsr(['build', base], { now: T1 }).exited;
  if (built.code !== 0) throw new Error(`v1 build failed: ${built.stderr}`);
  const v1ref: Reference = { out: snapshot(path.join(base, 'dist')), manifest: await readManifestJson(base) };
  await writeData(base, v2);

  const refs = {} as Record<Command, Reference>;
  const timing = {} as CrashFixture['timing'];
  const poll = [...PUBLISH_SIGNALS, '.isr/manifest.json'];
  await Promise.all(
    (['build', 'regen'] as const).map(async (command) => {
      const root = path.join(work, `ref-${command}`);
      await copyDir(base, root);
      timing[command] = await measure(
        root,
        command,
        poll.map((f) => (f.startsWith('.isr') ? f : `dist/${f}`)),
      );
      refs[command] = { out: snapshot(path.join(root, 'dist')), manifest: await readManifestJson(root) };
      await rm(root, { recursive: true, force: true });
    }),
  );
  const drift = [
    ...diffSnapshots(refs.build.out, refs.regen.out),
    ...(JSON.stringify(normalise(refs.build.manifest)) === JSON.stringify(normalise(refs.regen.manifest)) ? [] : ['manifest']),
  ];
  if (drift.length) throw new Error(`an uninterrupted build and regen from the same state disagree: ${drift.join(', ')}`);
  return { work, base, v1: v1ref, v2: refs.build, timing, cleanup: () => rm(work, { recursive: true, force: true }) };
}

/** A seeded kill: half timed over the whole run, half inside the publish window. */
export function pickKill(command: Command, r: () => number): Kill {
  return { command, from: r() < 0.5 ? 'run' : 'publish', fraction: r() };
}

/** Record how long a full, uninterrupted run of `command` took (the machine's load drifts). */
function observe(fx: CrashFixture, command: Command, ms: number): void {
  const t = fx.timing[command];
  t.samples.push(ms);
  // The low end of recent runs: an estimate too high wastes a trial (the run ends before the kill).
  t.total = Math.min(...t.samples.slice(-4));
}

/** One kill inside a chain. */
export interface Kill {
  command: Command;
  /**
   * `run`: `fraction` of the estimated run duration after the start. `publish`: `fraction` of the
   * measured publish window after the first published file appears (renames and the manifest
   * write are a few percent of a run: timed kills alone would rarely land there).
   */
  from: 'run' | 'publish';
  /** The seeded part of the kill instant. */
  fraction: number;
}

export interface ChainResult {
  chain: number;
  steps: { command: Command; from: Kill['from']; delayMs: number; fraction: number; phase: Phase; tempFiles: number }[];
  finalCommand: Command;
  failures: string[];
}

/**
 * A chain of kills on one copy of the v1 site: each killed run is also the recovery of the kill
 * before it (so crashes during recovery — sweep, stale-lock takeover, pending removals — are
 * covered too), then one uninterrupted run that must reach exactly the reference state. The
 * checks after every kill are the same whatever came before.
 */
export async function runChain(fx: CrashFixture, chain: number, kills: readonly Kill[], finalCommand: Command): Promise<ChainResult> {
  const root = path.join(fx.work, `c${chain}`);
  await copyDir(fx.base, root);
  const failures: string[] = [];
  const steps: ChainResult['steps'] = [];
  try {
    for (const [i, k] of kills.entries()) {
      const t = fx.timing[k.command];
      // Scaled a little short of the estimates: a kill after the run ended is a wasted run.
      const delayMs = k.fraction * (k.from === 'run' ? 0.95 * t.total : 0.9 * t.publishMs);
      const watch = k.from === 'publish' ? PUBLISH_SIGNALS.map((f) => path.join(root, 'dist', f)) : undefined;
      const r = await killAfter(delayMs, [k.command, root], { env: { ISR_NOW: T2 }, watch });
      if (!r.killed) {
        if (r.code !== 0) failures.push(`step ${i}: ${k.command} exited ${r.code} before the kill: ${r.stderr.trim()}`);
        // Only a run from the untouched base is a clean full-run sample.
        else if (i === 0 && k.from === 'run') observe(fx, k.command, r.elapsedMs);
      }
      const after = await checkAfterKill(fx, root);
      failures.push(...after.failures.map((f) => `step ${i} (${k.command} killed at ${Math.round(delayMs)} ms): ${f}`));
      steps.push({
        command: k.command,
        from: k.from,
        delayMs: Math.round(delayMs),
        fraction: k.fraction,
        phase: r.killed ? after.phase : 'finished-before-kill',
        tempFiles: after.tempFiles,
      });
      if (failures.length) break;
      // Once the new manifest is in place a further run has (almost) nothing to do: its kill
      // would rarely land. End the chain; the caller runs more chains until enough kills landed.
      if (!r.killed || after.phase.startsWith('manifest-new')) break;
    }
    if (!failures.length) {
      const rerun = await startIsr([finalCommand, root], { now: T2 }).exited;
      if (rerun.code !== 0) failures.push(`final ${finalCommand} exited ${rerun.code}: ${rerun.stderr.trim()}`);
      failures.push(...(await checkFinal(fx, root)));
    }
    return { chain, steps, finalCommand, failures };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** What a reader would see right after the kill. */
export async function checkAfterKill(fx: CrashFixture, root: string): Promise<{ failures: string[]; phase: Phase; tempFiles: number }> {
  const failures: string[] = [];
  const v1 = fx.v1;
  const v2 = fx.v2;
  const out = snapshot(path.join(root, 'dist'));
  let manifest: any;
  try {
    manifest = await readManifestJson(root);
  } catch (err) {
    return { failures: [`manifest does not parse: ${(err as Error).message}`], phase: 'before-publish', tempFiles: 0 };
  }
  if (manifest?.version !== 2 || typeof manifest.pages !== 'object') failures.push('manifest is not a version-2 isr manifest');
  const isOld = manifest.updatedAt === v1.manifest.updatedAt;
  const isNew = manifest.updatedAt === v2.manifest.updatedAt;
  if (!isOld && !isNew) failures.push(`manifest updatedAt ${manifest.updatedAt} is neither the old nor the new run's`);

  let tempFiles = 0;
  let newFiles = 0;
  let oldFiles = 0;
  for (const [rel, bytes] of out) {
    if (TEMP.test(rel)) {
      tempFiles++;
      continue;
    }
    const o = v1.out.get(rel);
    const n = v2.out.get(rel);
    const isV1 = o?.equals(bytes) ?? false;
    const isV2 = n?.equals(bytes) ?? false;
    if (!isV1 && !isV2)
      failures.push(`${rel}: not a complete old or new file (${bytes.length} bytes${bytes.length === 0 ? ', empty' : ''})`);
    if (isV2 && !isV1) newFiles++;
    if (isV1 && !isV2) oldFiles++;
  }
  // A page that exists before and after the run is never missing, not even for an instant.
  for (const rel of v1.out.keys()) if (v2.out.has(rel) && !out.has(rel)) failures.push(`${rel}: missing (exists before and after the run)`);

  const claimed = new Set<string>();
  for (const [p, e] of Object.entries<any>(manifest.pages ?? {})) {
    if (!e.file) continue;
    claimed.add(e.file);
    const bytes = out.get(e.file);
    if (!bytes) {
      failures.push(`manifest ${p} → ${e.file}: file missing`);
      continue;
    }
    if (hash(bytes) === e.outputHash) continue;
    // Allowed: the file is the newer render, the entry still the older one (crash between
    // publishing and writing the manifest). Never the other way round.
    const oldHash = v1.manifest.pages[p]?.outputHash;
    const newer = v2.out.get(e.file)?.equals(bytes) ?? false;
    if (!(newer && e.outputHash === oldHash))
      failures.push(`manifest ${p} → ${e.file}: file hash ${hash(bytes)} is not the entry's ${e.outputHash} nor a newer render`);
  }
  const pending = new Set<string>(manifest.pendingRemovals ?? []);
  for (const [rel, bytes] of out) {
    if (TEMP.test(rel) || claimed.has(rel) || SITE_FILES.has(rel) || SHARD_SITEMAP.test(rel) || pending.has(rel)) continue;
    const newPage = isOld && (v2.out.get(rel)?.equals(bytes) ?? false);
    if (!newPage)
      failures.push(`${rel}: on disk but neither in the manifest, nor pending removal, nor a new page published before the manifest`);
  }

  let phase: Phase;
  if (isNew) phase = pending.size ? 'manifest-new-removals-pending' : 'manifest-new';
  else if (newFiles === 0) phase = 'before-publish';
  else if (oldFiles > 0 || newFiles < countNew(fx)) phase = 'mid-publish';
  else phase = 'published-manifest-old';
  return { failures, phase, tempFiles };
}

function countNew(fx: CrashFixture): number {
  let n = 0;
  for (const [rel, b] of fx.v2.out) if (!(fx.v1.out.get(rel)?.equals(b) ?? false)) n++;
  return n;
}

/** After the recovery run: exactly the uninterrupted result, and no debris anywhere in the site. */
export async function checkFinal(fx: CrashFixture, root: string): Promise<string[]> {
  const failures: string[] = [];
  const ref = fx.v2;
  const out = snapshot(path.join(root, 'dist'));
  failures.push(...diffSnapshots(ref.out, out).map((d) => `final outDir: ${d}`));
  const manifest = await readManifestJson(root).catch((e) => ({ error: String(e) }));
  const a = JSON.stringify(normalise(manifest));
  const b = JSON.stringify(normalise(ref.manifest));
  if (a !== b) failures.push(`final manifest differs from an uninterrupted run's: ${firstDiff(a, b)}`);
  const state = snapshot(path.join(root, '.isr'));
  for (const rel of state.keys()) {
    if (TEMP.test(rel)) failures.push(`.isr/${rel}: temp file left after the recovery run`);
    if (rel.startsWith('lock')) failures.push(`.isr/${rel}: lock left after the recovery run`);
  }
  return failures;
}

/** Key order is not meaningful in the manifest. */
/** Key-sorted, without what names files rather than content (a recovered chain of runs writes more
 * generations of the manifest than one uninterrupted run: other shard file names, same pages). */
function normalise(v: any): any {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'shards' in v && 'generation' in v) {
    // Not state but how the head was written: the generation, shard file names, and the change
    // set the head records (its `base` is a store version, the head file's inode and mtime).
    const { generation: _g, change: _c, shards, ...rest } = v;
    return normalise({ ...rest, shards: Object.fromEntries(Object.entries<any>(shards).map(([id, { file: _f, ...info }]) => [id, info])) });
  }
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normalise(v[k])]),
    );
  return v;
}

function firstDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `…${a.slice(Math.max(0, i - 80), i + 80)}… vs …${b.slice(Math.max(0, i - 80), i + 80)}…`;
}

export type { GenData };
