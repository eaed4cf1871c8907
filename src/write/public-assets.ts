import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { type IsrError, isrError } from '../errors.js';
import type { Manifest } from '../manifest/model.js';
import { walkFiles } from '../walk-files.js';
import type { Resource } from './page-resources.js';
import type { Stage } from './stage.js';
import { tempPathFor } from './write-atomic.js';

/**
 * `public/` assets: copied into outDir as they are, incrementally. What is known of each copy
 * (the source's stat and the hash of its bytes) is kept in `.isr/public.json`, so a run with no
 * change reads no asset and copies nothing; a source whose stat changed is hashed (mtime alone is
 * unsafe: a checkout can restore an old mtime) and copied only if its bytes differ from the copy
 * in outDir. With the record lost (`.isr/` not restored), the bytes in outDir decide: identical
 * files are adopted, not rewritten. Files are hashed in chunks and copied with copyFile, never
 * loaded whole. The run stages the copies like pages (`Stage#stageCopy`) and renames them in its
 * publish phase: a run that aborts leaves every asset as it was. The record is a separate file,
 * not part of the manifest head that every run and every serve process reads: a site can have
 * thousands of assets, and the record is only a cache (the bytes in outDir are the truth).
 */

/** What the last publish knew of one asset (key: its path relative to outDir, `/`-separated). */
export interface AssetRecord {
  size: number;
  mtimeMs: number;
  ino: number;
  /** Content hash (base64url, 16 chars), also the `?v=` of `asset()`. */
  hash: string;
  /**
   * In an object store: the store version of the object last uploaded under this name (what the
   * next put of it is conditional on: run/object-publish.ts). Kept while the asset stays; never
   * set on the filesystem.
   */
  version?: string;
}

export interface PublicRecordFile {
  version: 1;
  files: Record<string, AssetRecord>;
}

export interface AssetPlan {
  /** Every asset now in the public folder, with its hash (for `asset()`). */
  assets: Map<string, AssetRecord>;
  /** Assets whose bytes differ from outDir (new or changed), with their source file. */
  write: Map<string, string>;
  /** Assets gone from the public folder since the last publish (to delete from outDir). */
  removed: string[];
  /** Assets whose copy in outDir already has their bytes. */
  unchanged: string[];
  /** Page resources among the assets → their file relative to the site root (write/page-resources.ts). */
  resources?: Map<string, string>;
}

const RECORD_NAME = 'public.json';
/** Files up to this size are hashed in one read; larger ones in chunks (memory stays bounded). */
const ONE_READ_MAX = 1 << 20;

/** The record of the last publish, or an empty one (missing, unreadable or foreign: compare bytes). */
export function readPublicRecord(stateDir: string): Record<string, AssetRecord> {
  try {
    const r = JSON.parse(readFileSync(path.join(stateDir, RECORD_NAME), 'utf8')) as PublicRecordFile;
    return r && r.version === 1 && r.files && typeof r.files === 'object' ? r.files : {};
  } catch {
    return {};
  }
}

/** Write the record atomically (temp + rename). */
export function writePublicRecord(stateDir: string, files: Map<string, AssetRecord>): void {
  const file = path.join(stateDir, RECORD_NAME);
  const tmp = tempPathFor(file); // the run's temp name: a crash's leftover is swept like any other
  const body: PublicRecordFile = { version: 1, files: Object.fromEntries(files) };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(tmp, JSON.stringify(body));
  renameSync(tmp, file);
}

/**
 * Hash every asset and decide what to copy and what to remove. Reads, writes nothing: the run
 * stages the copies once its pages are known (a page's file may not be taken by an asset).
 */
export function scanAssets(
  publicDir: string | undefined,
  /** Where the published copies are to compare with; undefined: the record alone decides (an object store). */
  outDir: string | undefined,
  record: Record<string, AssetRecord>,
  resourceFiles: Resource[] = [],
): AssetPlan {
  const assets = new Map<string, AssetRecord>();
  const write = new Map<string, string>();
  const unchanged: string[] = [];
  const all = publicDir ? listAssets(publicDir) : [];
  const resources = new Map<string, string>();
  if (resourceFiles.length) {
    const fromPublic = new Set(all.map(([rel]) => rel));
    for (const r of resourceFiles) {
      const other = fromPublic.has(r.rel) ? `the public folder's ${r.rel}` : resources.get(r.rel);
      if (other) throw assetClash(r.from, r.rel, other);
      resources.set(r.rel, r.from);
      all.push([r.rel, r.abs]);
    }
  }
  for (const [rel, abs] of all) {
    const st = statSync(abs);
    const known = record[rel];
    const sameStat = known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ino === st.ino;
    const entry: AssetRecord = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash: sameStat ? known.hash : hashFile(abs, st.size) };
    if (known?.version) entry.version = known.version;
    assets.set(rel, entry);
    if (outDir === undefined) {
      if (known && known.hash === entry.hash && known.size === st.size) unchanged.push(rel);
      else write.set(rel, abs);
      continue;
    }
    const target = path.join(outDir, rel);
    // Published by the last run and not changed since: nothing to read. Otherwise the bytes in
    // outDir decide (a lost record, or a copy changed by hand).
    const size = sizeOf(target);
    if (size === st.size && ((known && known.hash === entry.hash) || hashFile(target, size) === entry.hash)) unchanged.push(rel);
    else write.set(rel, abs);
  }
  const removed = Object.keys(record).filter((rel) => !assets.has(rel));
  return { assets, write, removed, unchanged, ...(resources.size ? { resources } : {}) };
}

/**
 * The assets as the record of the last publish has them, without looking at the folder: what
 * `isr serve`'s runs for named pages use (a webhook must not pay a walk of the public folder;
 * `--watch`, cron and build runs scan it).
 */
export function recordedAssets(record: Record<string, AssetRecord>): AssetPlan {
  return { assets: new Map(Object.entries(record)), write: new Map(), removed: [], unchanged: [] };
}

/** A public file (or page resource) that would take a page's (or a site file's) output: an input error naming both. */
export function assetClash(source: string, rel: string, owner: string): IsrError {
  return isrError('DUPLICATE_OUTPUT', [source, owner, 'write', rel], {
    hint: `rename or remove ${source}, or change what writes ${rel}`,
  });
}

/**
 * Stage the public folder's new and changed files with the pages, and list the removed ones. An
 * asset may not take a page's file or a generated site file (an input error naming both: which
 * should win is the user's call). Pages are those the run holds: all of them in a build.
 */
export function stageAssets(
  config: ResolvedConfig,
  assets: AssetPlan,
  manifest: Pick<Manifest, 'pages'>,
  stage: Stage,
  result: { written: string[]; removed: string[] },
): void {
  if (!assets.assets.size && !assets.removed.length) return;
  const publicRel = path.relative(config.root, config.publicDir ?? '') || '.';
  const sourceOf = (rel: string) => assets.resources?.get(rel) ?? `${publicRel}/${rel}`;
  for (const key in manifest.pages) {
    const file = manifest.pages[key]!.file;
    if (file && assets.assets.has(file)) throw assetClash(sourceOf(file), file, `the page ${key}`);
  }
  const generated = [config.sitemap ? 'sitemap.xml' : '', config.headersFile ? '_headers' : ''].filter(Boolean);
  for (const name of generated) if (assets.assets.has(name)) throw assetClash(sourceOf(name), name, `isr's generated ${name}`);
  for (const [rel, src] of assets.write) {
    stage.stageCopy(rel, src);
    result.written.push(rel);
  }
  // Unchanged assets are not listed: `unchanged` names what the run rendered or copied and found
  // identical, and a regen looks at no asset whose stat is unchanged.
  for (const rel of assets.removed) result.removed.push(rel);
}

/** True when the record on disk already says what the scan found (no rewrite needed). */
export function sameRecord(record: Record<string, AssetRecord>, now: Map<string, AssetRecord>): boolean {
  const keys = Object.keys(record);
  if (keys.length !== now.size) return false;
  for (const k of keys) {
    const a = record[k]!;
    const b = now.get(k);
    if (!b || a.hash !== b.hash || a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ino !== b.ino) return false;
  }
  return true;
}

/** Every file under the public folder as [outDir-relative `/` path, absolute path], sorted. */
function listAssets(publicDir: string): [string, string][] {
  let files: string[];
  try {
    files = walkFiles(publicDir, new Set(), keepAsset);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw isrError('CONTENT_UNREADABLE', ['the public folder', (err as Error).message], {
      hint: 'make it readable, or set publicDir: false',
    });
  }
  return files
    .map((abs) => [path.relative(publicDir, abs).split(path.sep).join('/'), abs] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Dotfiles are assets too (`.well-known/security.txt`, `.nojekyll` for GitHub Pages), but not
 * the litter of editors, systems and version control.
 */
function keepAsset(name: string): boolean {
  return !IGNORED_ASSETS.has(name) && !name.endsWith('~') && !name.endsWith('.swp');
}
const IGNORED_ASSETS = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini', '.git', '.svn', '.hg']);

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}

/** The content hash of a file, streamed in 1 MiB chunks past ONE_READ_MAX. */
export function hashFile(file: string, size: number): string {
  const h = createHash('sha1');
  if (size <= ONE_READ_MAX) h.update(readFileSync(file));
  else {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(ONE_READ_MAX);
      for (let n: number; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest('base64url').slice(0, 16);
}
