/**
 * Small shared pieces of the reliability harnesses: a seeded RNG, directory snapshots, copying,
 * the isr subprocess, counts that grow under `npm run torture`, and the torture report.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, appendFileSync, constants, type Dirent, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BIN } from '../../helpers/site.js';

const exec = promisify(execFile);

/** True under `npm run torture` (scripts/torture.mjs sets it). */
export const TORTURE = process.env.ISR_TORTURE === '1';

/** A count that is `fast` in `npm test` and `torture` under `npm run torture` (env override wins). */
export function count(envName: string, fast: number, torture: number): number {
  const v = Number(process.env[envName]);
  return Number.isInteger(v) && v > 0 ? v : TORTURE ? torture : fast;
}

/** The seed for this process: `ISR_REL_SEED` to reproduce a failure, else a fresh one. */
export function seedFrom(envName = 'ISR_REL_SEED'): number {
  const v = Number(process.env[envName]);
  return Number.isInteger(v) && v > 0 ? v : (Date.now() ^ (process.pid << 8)) >>> 0 || 1;
}

/** mulberry32: tiny, fast, good enough to pick kill instants reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every file under `dir` (dotfiles included), relative with "/" separators, to its bytes.
 * Synchronous on purpose: for thousands of small files it is several times faster than a
 * promise fan-out through the libuv pool, and the harness has nothing else to do meanwhile.
 */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.isFile()) out.set(r, readFileSync(path.join(d, e.name)));
    }
  };
  walk(dir, '');
  return out;
}

/** Differences between two snapshots, as short human lines (empty when identical). */
export function diffSnapshots(expected: Map<string, Buffer>, actual: Map<string, Buffer>, max = 10): string[] {
  const out: string[] = [];
  for (const [k, v] of expected) {
    if (!actual.has(k)) out.push(`missing ${k}`);
    else if (!actual.get(k)!.equals(v)) out.push(`differs ${k}`);
    if (out.length >= max) return out;
  }
  for (const k of actual.keys()) {
    if (!expected.has(k)) out.push(`unexpected ${k}`);
    if (out.length >= max) return out;
  }
  return out;
}

/** `cp -a src dst` (the fastest way to clone a 2,000-file site on Linux). */
export async function copyDir(src: string, dst: string): Promise<void> {
  await exec('cp', ['-a', src, dst]);
}

export interface Proc {
  child: ChildProcess;
  /** Resolves with the exit code, or the signal name when killed. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Start `node bin/isr.js …args` (not awaited: the crash harness kills it at a chosen instant). */
export function startIsr(args: string[], opts: { cwd?: string; now?: string | number; env?: Record<string, string> } = {}): Proc {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  delete env.ISR_NOW;
  if (opts.now !== undefined) env.ISR_NOW = String(opts.now);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

const KILLER = fileURLToPath(new URL('./kill-after.mjs', import.meta.url));

/**
 * Run `isr …args` and SIGKILL it `ms` after it started — or, with `watch`, `ms` after the first of
 * those files was replaced (publishing began) — timed by a separate small process
 * (kill-after.mjs) so a busy test runner cannot make the kill late.
 */
export async function killAfter(
  ms: number,
  args: string[],
  opts: { env?: Record<string, string>; watch?: string[] } = {},
): Promise<{ killed: boolean; code: number | null; elapsedMs: number; triggeredAtMs: number | null; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  const killerArgs = [
    KILLER,
    String(Math.round(ms)),
    ...(opts.watch?.length ? [opts.watch.join(',')] : []),
    '--',
    process.execPath,
    BIN,
    ...args,
  ];
  const { stdout, stderr } = await exec(process.execPath, killerArgs, { env: e, maxBuffer: 16 * 1024 * 1024 });
  return { ...JSON.parse(stdout), stderr };
}

/** Run `fn` over `items` with at most `n` at once, in order of start. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

/**
 * Append one suite's figures to the torture report (`ISR_TORTURE_REPORT`, set by
 * scripts/torture.mjs). Always printed too, so `npm test -- --reporter verbose` shows them.
 */
export function report(suite: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ suite, at: new Date().toISOString(), ...figures });
  if (process.env.ISR_TORTURE_REPORT) appendFileSync(process.env.ISR_TORTURE_REPORT, `${line}\n`);
  if (TORTURE || process.env.ISR_REL_VERBOSE) console.log(`[reliability] ${line}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Where trial sites go: `ISR_REL_TMP`, else /dev/shm when writable (RAM: copying and deleting a
 * 2,000-file site per trial costs milliseconds instead of seconds), else the OS temp dir. Crash
 * consistency under SIGKILL does not depend on the file system type (no power loss is simulated).
 */
export function scratchDir(): string {
  if (process.env.ISR_REL_TMP) return process.env.ISR_REL_TMP;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}
