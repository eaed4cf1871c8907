import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { IsrError, writeFailed } from '../errors.js';
import type { Params, Revalidate } from '../types.js';
import { writeTemp, type TempFile } from '../write/write-atomic.js';

/** Bumped on any incompatible change; a manifest of another version is refused, never guessed at. */
export const MANIFEST_VERSION = 1;

/**
 * One page of the site, keyed in `Manifest.pages` by its URL path (`/blog/hello/`).
 *
 * Invariant: an entry describes what is on disk at `file` (or, after a crash between publishing
 * and writing the manifest, something older: the page then just renders again when due).
 */
export interface PageEntry {
  /** Route name (see `RouteConfig.name`). */
  route: string;
  /** Params the page was built from; omitted for fixed routes. */
  params?: Params;
  /** Output file relative to outDir, "/" separated. Absent for `notFound` pages. */
  file?: string;
  /** Epoch ms of the last successful load+render (moves on even when the output was unchanged). */
  builtAt: number;
  /** Epoch ms when the output bytes last changed (sitemap `lastmod`). */
  changedAt: number;
  /** Effective revalidate of the last successful load, in seconds, or false. */
  revalidate: Revalidate;
  /** Hash of the props the page was rendered from. */
  dataHash?: string;
  /** Hash of the template and every layout/partial it used (see `Manifest.templates`). */
  templateHash?: string;
  /** Hash of the output bytes on disk. */
  outputHash?: string;
  /** Dependencies: tracked by sources (`file:…`, `url:…`) plus those returned by `load`. Sorted. */
  tags?: string[];
  /** `ok`: file is current; `error`: last attempt failed (the last good file stays);
   * `notFound`: load said so (no file, served as 404); `redirect`: file is a redirect stub. */
  status: 'ok' | 'error' | 'notFound' | 'redirect';
  /** Redirect target for `status: 'redirect'`, with `permanent` for a 308. */
  redirect?: { destination: string; permanent: boolean };
  /** Last error as one line (`status: 'error'`). */
  error?: string;
  /** Consecutive failed attempts; reset by a success. */
  attempts?: number;
  /** Epoch ms before which a failed page is not retried (backoff, capped at its revalidate). */
  retryAt?: number;
  /** Built because it was named (`--path`, serve fallback), not listed by `paths()`: a re-listing
   * that does not include it keeps it; only its own `notFound` removes it. */
  onDemand?: true;
}

/** A route's last `paths()` listing: when it is due again and what it depended on. */
export interface RouteEntry {
  /** Epoch ms of the last successful listing. */
  listedAt: number;
  /** Effective list interval at that time. */
  listRevalidate: Revalidate;
  /** Tags the listing tracked (e.g. `files:content/posts`); `--tag` re-lists on a match. */
  tags?: string[];
  /** Last listing error, if the last attempt failed (pages are then kept as they were). */
  error?: string;
}

/** A template's state at the last run: its own hash and the files it pulled in. */
export interface TemplateEntry {
  /** Hash of this file alone. */
  hash: string;
  /** Layouts/partials seen used by this template's renders, relative to templatesDir. */
  deps: string[];
}

export interface Manifest {
  version: number;
  /** `isr <version>` that wrote it (informative). */
  generator: string;
  /** Epoch ms of the last write. */
  updatedAt: number;
  /** Hash of the config source used for the last full build; a change re-renders every page. */
  configHash: string;
  /** Every template used, keyed by path relative to templatesDir. */
  templates: Record<string, TemplateEntry>;
  routes: Record<string, RouteEntry>;
  pages: Record<string, PageEntry>;
  /** Files to delete after this manifest is written (a crash in between leaves them listed here). */
  pendingRemovals?: string[];
  /** Facts about `pages` for a quick "nothing due" (see ManifestSummary). Written, never trusted
   * from input: `writeManifest` recomputes it from `pages` every time, `readManifest` drops it. */
  summary?: ManifestSummary;
}

/**
 * What a regen needs to know about `pages` to decide that nothing is due without parsing them
 * (`plan/nothing-due.ts`); at 100k pages, parsing the pages is most of a no-op run. It sits in
 * the head of the file, before `pages`. Derived data: recomputed from `pages` on every write, so
 * it can never disagree with the pages written beside it. A manifest without it (written by an
 * older isr) is simply read in full.
 */
export interface ManifestSummary {
  /** Earliest epoch ms at which any page is due (expired, or a failed page's retry); absent when
   * no page ever expires. */
  nextDueAt?: number;
  /** Per route name: how many pages it has, how many of them are `notFound`, and the distinct
   * `templateHash` values among them. */
  routes: Record<string, { pages: number; notFound?: number; templateHashes: string[] }>;
}

/** The manifest without its pages: what `readManifestHead` gives. */
export type ManifestHead = Omit<Manifest, 'pages'>;

export function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, generator: '', updatedAt: 0, configHash: '', templates: {}, routes: {}, pages: {} };
}

/**
 * Read the manifest. `undefined` when there is none (a first build); a clear error when it is
 * unreadable, corrupt or of another version, so nothing is ever built on a guess.
 */
export async function readManifest(file: string, root: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return unreadable(err, file, root);
  }
  return parseManifest(text, file, root);
}

/** `readManifest` without the event loop (for a caller that cannot await). */
export function readManifestSync(file: string, root: string): Manifest | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return unreadable(err, file, root);
  }
  return parseManifest(text, file, root);
}

function unreadable(err: unknown, file: string, root: string): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw new IsrError('MANIFEST_CORRUPT', `cannot read the manifest: ${(err as Error).message}`, {
    file: path.relative(root, file),
    hint: 'check its permissions',
  });
}

function parseManifest(text: string, file: string, root: string): Manifest {
  const rel = path.relative(root, file);
  const wayOut = `delete ${rel} and run \`isr build\` to rebuild it (the output folder is kept)`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new IsrError('MANIFEST_CORRUPT', `the manifest is not valid JSON (${(err as Error).message})`, { file: rel, hint: wayOut });
  }
  const m = data as Partial<Manifest>;
  if (!m || typeof m !== 'object' || typeof m.version !== 'number') {
    throw new IsrError('MANIFEST_CORRUPT', 'this is not an isr manifest (no "version")', { file: rel, hint: wayOut });
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new IsrError('MANIFEST_CORRUPT', `manifest version ${m.version} is not supported (this isr reads version ${MANIFEST_VERSION})`, {
      file: rel,
      hint: wayOut,
    });
  }
  if (!isRecord(m.pages) || !isRecord(m.routes) || !isRecord(m.templates) || typeof m.configHash !== 'string') {
    throw new IsrError('MANIFEST_CORRUPT', 'the manifest is missing "pages", "routes", "templates" or "configHash"', { file: rel, hint: wayOut });
  }
  // for-in, not Object.entries: no [key, value] array per page (100k of them on a large site).
  for (const p in m.pages) {
    const e = m.pages[p];
    if (!isRecord(e) || typeof e.route !== 'string' || typeof e.builtAt !== 'number' || typeof e.status !== 'string') {
      throw new IsrError('MANIFEST_CORRUPT', `manifest entry for ${JSON.stringify(p)} is malformed`, { file: rel, hint: wayOut });
    }
    // Paths and files flow back into file-system calls and into the change set given to onChange
    // and --exec (a purge or upload script): a tampered or foreign manifest must not name anything
    // outside the output folder.
    if (!isSafeUrlPath(p) || (e.file !== undefined && !isSafeRelFile(e.file))) {
      throw new IsrError('MANIFEST_CORRUPT', `manifest entry for ${JSON.stringify(p)} points outside the output folder`, { file: rel, hint: wayOut });
    }
  }
  if (m.pendingRemovals !== undefined && (!Array.isArray(m.pendingRemovals) || !m.pendingRemovals.every(isSafeRelFile))) {
    throw new IsrError('MANIFEST_CORRUPT', '"pendingRemovals" must list files inside the output folder', { file: rel, hint: wayOut });
  }
  // Derived data, only for readManifestHead: dropped here so no stale copy travels in memory.
  delete m.summary;
  return m as Manifest;
}

/** How far into the file `readManifestHead` looks for the start of `pages`. */
const HEAD_BYTES = 256 * 1024;
const PAGES_START = ',\n  "pages": {\n';

/**
 * The manifest's head (everything before `pages`, which `writeManifest` puts last), read from the
 * first bytes of the file without parsing any page. `undefined` whenever that is not plainly
 * possible (no file, another layout, no summary, a head too large): the caller then reads the
 * whole manifest with `readManifest`, which also reports any corruption.
 */
export function readManifestHead(file: string): ManifestHead | undefined {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(HEAD_BYTES);
      const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
      text = buf.toString('utf8', 0, n);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const end = text.indexOf(PAGES_START);
  if (end < 0) return undefined;
  try {
    const head = JSON.parse(`${text.slice(0, end)}\n}`) as ManifestHead;
    if (head.version !== MANIFEST_VERSION || !isRecord(head.summary) || !isRecord(head.routes) || !isRecord(head.templates)) return undefined;
    return head;
  } catch {
    return undefined;
  }
}

/** The summary of `pages` (see ManifestSummary); the due rule is the planner's (`isDue`, retries). */
export function summarize(pages: Record<string, PageEntry>): ManifestSummary {
  let nextDueAt = Infinity;
  const routes: ManifestSummary['routes'] = {};
  for (const key in pages) {
    const e = pages[key]!;
    const at = e.status === 'error' ? (e.retryAt ?? 0) : e.revalidate === false ? Infinity : e.builtAt + e.revalidate * 1000;
    if (at < nextDueAt) nextDueAt = at;
    const r = (routes[e.route] ??= { pages: 0, templateHashes: [] });
    r.pages++;
    if (e.status === 'notFound') r.notFound = (r.notFound ?? 0) + 1;
    if (e.templateHash && !r.templateHashes.includes(e.templateHash)) r.templateHashes.push(e.templateHash);
  }
  for (const r of Object.values(routes)) r.templateHashes.sort();
  return Number.isFinite(nextDueAt) ? { nextDueAt, routes } : { routes };
}

/** Written last in every run, atomically: readers see the old or the new manifest, never a mix. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  const staged = await stageManifest(file, manifest);
  try {
    await staged.publish();
  } catch (err) {
    throw writeFailed('the manifest', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), file));
  }
}

/**
 * Write the manifest to its temp file without publishing it. A run stages it before renaming any
 * page into place, so a full disk is found while the site is still untouched.
 */
export async function stageManifest(file: string, manifest: Manifest): Promise<TempFile> {
  const { pages } = manifest;
  const out: Manifest = { ...manifest, summary: summarize(pages), pages: {} };
  if (!out.pendingRemovals?.length) delete out.pendingRemovals;
  const head = JSON.stringify({ ...out, pages: undefined }, null, 2).replace(/\n}$/, '');
  // Pages sorted by path so the file diffs well and is stable across runs; one line per page:
  // readable, diffable, and far faster to write than fully indented JSON. Written in chunks, so
  // a 100k-page manifest (34 MB) never exists as one string (it did three times over).
  const keys = Object.keys(pages).sort();
  function* chunks(): Generator<string> {
    yield `${head},\n  "pages": {\n`;
    for (let i = 0; i < keys.length; i += 1000) {
      let chunk = i ? ',\n' : '';
      for (let j = i; j < Math.min(i + 1000, keys.length); j++) chunk += `${j > i ? ',\n' : ''}    ${JSON.stringify(keys[j])}: ${JSON.stringify(pages[keys[j]!])}`;
      yield chunk;
    }
    yield '\n  }\n}\n';
  }
  try {
    return await writeTemp(file, chunks());
  } catch (err) {
    throw writeFailed('the manifest', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), file));
  }
}


/** An outDir-relative, "/"-separated file that cannot leave outDir. */
function isSafeRelFile(f: unknown): boolean {
  return typeof f === 'string' && f.length > 0 && !f.startsWith('/') && !/[\\\0]/.test(f) && f.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** A URL path as the planner makes them: absolute, no "." / ".." segments, no backslash or NUL. */
function isSafeUrlPath(p: string): boolean {
  return p.startsWith('/') && !/[\\\0]/.test(p) && !p.split('/').some((s) => s === '.' || s === '..');
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
