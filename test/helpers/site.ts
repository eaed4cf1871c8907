import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(REPO, 'bin', 'isr.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fixture site copied to a fresh temp dir, with `static-isr` resolvable from its config. */
export interface TempSite {
  root: string;
  run(args: string[], opts?: { now?: string | number; env?: Record<string, string>; input?: string }): Promise<CliResult>;
  read(rel: string): Promise<string>;
  write(rel: string, text: string): Promise<void>;
  manifest(): Promise<any>;
  cleanup(): Promise<void>;
}

/**
 * Copy `fixtures/<name>` (minus build output) to a temp dir. A `node_modules/static-isr` symlink to this
 * repo lets the fixture's `import { files } from 'static-isr'` resolve as it would for a user.
 */
export async function tempSite(name: string): Promise<TempSite> {
  const root = await mkdtemp(path.join(tmpdir(), `isr-${name}-`));
  await cp(path.join(REPO, 'fixtures', name), root, {
    recursive: true,
    filter: (src) => !/[/\\](dist|\.isr)([/\\]|$)/.test(path.relative(REPO, src)),
  });
  await linkStaticIsr(root);
  return siteAt(root);
}

/**
 * A site the test writes itself instead of a fixture folder: each of `files` (path relative to the
 * root → text) in a fresh temp dir named after `name`, with `static-isr` linked as tempSite links it.
 */
export async function siteFrom(name: string, files: Record<string, string>): Promise<TempSite> {
  const site = siteAt(await mkdtemp(path.join(tmpdir(), `isr-${name}-`)));
  await linkStaticIsr(site.root);
  for (const [rel, text] of Object.entries(files)) await site.write(rel, text);
  return site;
}

async function linkStaticIsr(root: string): Promise<void> {
  await mkdir(path.join(root, 'node_modules'), { recursive: true });
  await symlink(REPO, path.join(root, 'node_modules', 'static-isr'), 'dir');
}

/** The TempSite handle of a site folder (used for fresh copies and for clones of a built one). */
export function siteAt(root: string): TempSite {
  return {
    root,
    run: (args, opts = {}) => runCli(args, { cwd: root, ...opts }),
    read: (rel) => readFile(path.join(root, rel), 'utf8'),
    write: async (rel, text) => {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), text);
    },
    manifest: async () => readManifestJson(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Run the real CLI as a subprocess. `now` sets ISR_NOW. */
export function runCli(
  args: string[],
  opts: { cwd?: string; now?: string | number; env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
    delete env.ISR_NOW;
    if (opts.now !== undefined) env.ISR_NOW = String(opts.now);
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd ?? REPO, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/**
 * The whole manifest of a built site as plain JSON: the head's fields and every page from its
 * shard files (`pages`), as one object, so tests can look at any page without caring about shards.
 */
export async function readManifestJson(root: string, rel = '.isr/manifest.json'): Promise<any> {
  const file = path.join(root, rel);
  const head = JSON.parse(await readFile(file, 'utf8'));
  const pages: Record<string, unknown> = { ...head.pages };
  const dir = path.join(path.dirname(file), `${path.basename(file, '.json')}-pages`);
  for (const s of Object.values<{ file: string }>(head.shards ?? {}))
    Object.assign(pages, JSON.parse(await readFile(path.join(dir, s.file), 'utf8')).pages);
  return { ...head, pages };
}

export { spawn };
