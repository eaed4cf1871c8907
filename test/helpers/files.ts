import { cp, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CliResult, siteAt, type TempSite } from './site.js';

/** Every file under `dir`, relative and "/" separated, sorted. Missing dir: []. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

export interface FileState {
  text: string;
  ino: number;
  mtimeMs: number;
}

/**
 * The published state of a site: every file of its outDir (keys prefixed with `dist/`) and the
 * manifest (head and shard files), with bytes, inode and mtime, to prove a run changed nothing or rewrote nothing.
 */
export async function snapshot(root: string, outDir = 'dist'): Promise<Record<string, FileState>> {
  const out: Record<string, FileState> = {};
  const files = [
    ...(await listFiles(path.join(root, outDir))).map((f) => `${outDir}/${f}`),
    '.isr/manifest.json',
    ...(await listFiles(path.join(root, '.isr', 'manifest-pages'))).map((f) => `.isr/manifest-pages/${f}`),
  ];
  for (const rel of files) {
    const abs = path.join(root, rel);
    const st = await stat(abs).catch(() => undefined);
    if (!st) continue;
    out[rel] = { text: await readFile(abs, 'latin1'), ino: st.ino, mtimeMs: st.mtimeMs };
  }
  return out;
}

/** Bytes only (for "byte-for-byte untouched"). */
export function contents(s: Record<string, FileState>): Record<string, string> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.text]));
}

export const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();

/**
 * A copy of an already built temp site (fixture, output and manifest), so each test that changes
 * a site starts from the same build without paying for another `isr build` subprocess.
 */
export async function cloneSite(from: TempSite): Promise<TempSite> {
  const root = await mkdtemp(path.join(tmpdir(), 'isr-clone-'));
  await cp(from.root, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  return siteAt(root);
}

/** Parse the one JSON object a `--json` run prints, with a readable failure when it is not there. */
export function json(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** `plan.render` of a regen --json as { path: reasons }. */
export function planned(r: CliResult): Record<string, string[]> {
  return Object.fromEntries(json(r).plan.render.map((p: { path: string; reasons: string[] }) => [p.path, p.reasons]));
}
