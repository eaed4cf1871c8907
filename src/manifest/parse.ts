/**
 * The manifest's files as text to objects: the head and a shard, every entry validated so a
 * tampered or foreign file cannot name anything outside the output folder. Pure but for the
 * errors, which name the file and the way out.
 */
import path from 'node:path';
import { MAX_NOW } from '../clock.js';
import { IsrError } from '../errors.js';
import { MANIFEST_VERSION, type Manifest, type PageEntry, shardDir } from './model.js';
import { SHARD_FILE, type ShardInfo, shardOf } from './shards.js';

/** What to do about a damaged manifest, for its error's hint. */
export function wayOutOf(file: string, root: string): string {
  const rel = path.relative(root, file);
  return `delete ${rel} and ${path.relative(root, shardDir(file))}/ and run \`isr build\` to rebuild them (the output folder is kept)`;
}

export function parseHead(text: string, file: string, root: string): Manifest {
  const rel = path.relative(root, file);
  const wayOut = wayOutOf(file, root);
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: rel, hint: wayOut });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(`the manifest is not valid JSON (${(err as Error).message})`);
  }
  const m = data as Partial<Omit<Manifest, 'shards'>> & { shardBits?: unknown; generation?: unknown; shards?: unknown };
  if (!m || typeof m !== 'object' || typeof m.version !== 'number') throw corrupt('this is not an isr manifest (no "version")');
  if (m.version !== MANIFEST_VERSION && m.version !== 1) {
    throw corrupt(`manifest version ${m.version} is not supported (this isr reads versions 1 and ${MANIFEST_VERSION})`);
  }
  if (!isRecord(m.routes) || !isRecord(m.templates) || typeof m.configHash !== 'string') {
    throw corrupt('the manifest is missing "routes", "templates" or "configHash"');
  }
  if (m.pendingRemovals !== undefined && (!Array.isArray(m.pendingRemovals) || !m.pendingRemovals.every(isSafeRelFile))) {
    throw corrupt('"pendingRemovals" must list files inside the output folder');
  }
  if (m.updatedAt !== undefined && !isInstant(m.updatedAt)) throw corrupt(`"updatedAt" is not a possible time (${String(m.updatedAt)})`);
  for (const [name, r] of Object.entries(m.routes)) {
    if (!isRecord(r) || !isInstant(r.listedAt) || !isRevalidate(r.listRevalidate))
      throw corrupt(`route ${JSON.stringify(name)} has an impossible "listedAt" or "listRevalidate"`);
  }
  const base = {
    version: MANIFEST_VERSION,
    generator: String(m.generator ?? ''),
    updatedAt: Number(m.updatedAt ?? 0),
    configHash: m.configHash,
    templates: m.templates,
    routes: m.routes,
    ...(m.pendingRemovals?.length ? { pendingRemovals: m.pendingRemovals } : {}),
    // Only a cache of what was uploaded: a malformed one is dropped (the site files are uploaded again).
    ...(isRecord(m.siteFiles) && Object.values(m.siteFiles).every((h) => typeof h === 'string')
      ? { siteFiles: m.siteFiles as Record<string, string> }
      : {}),
  };
  if (m.version === 1) {
    // One file with every page: all loaded; the next write splits it into shards.
    if (!isRecord(m.pages)) throw corrupt('the manifest is missing "pages"');
    for (const p in m.pages) checkEntry(p, m.pages[p], corrupt);
    return { ...base, pages: m.pages };
  }
  const { shards, shardBits: bits, generation } = m;
  if (!isRecord(shards) || typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 16 || typeof generation !== 'number') {
    throw corrupt('the manifest is missing "shards", "shardBits" or "generation"');
  }
  for (const id in shards) {
    const s = shards[id] as ShardInfo;
    const name = isRecord(s) && typeof s.file === 'string' ? SHARD_FILE.exec(s.file) : null;
    if (!name || name[1] !== id || !isRecord(s.routes) || typeof s.pages !== 'number')
      throw corrupt(`shard ${JSON.stringify(id)} is malformed`);
    if (
      (s.nextDueAt !== undefined && !isDueTime(s.nextDueAt)) ||
      (s.sitemap !== undefined && !(isRecord(s.sitemap) && isInstant(s.sitemap.lastmod)))
    ) {
      throw corrupt(`shard ${JSON.stringify(id)} holds an impossible time`);
    }
  }
  return { ...base, pages: {}, shards: { generation, bits, info: shards as Record<string, ShardInfo>, loaded: new Set() } };
}

export function parseShard(text: string, id: string, bits: number, into: Record<string, PageEntry>, file: string, root: string): void {
  const rel = path.relative(root, file);
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: rel, hint: wayOutOf(file, root) });
  let data: { version?: unknown; shard?: unknown; pages?: unknown };
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(`shard ${id} of the manifest is not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(data) || data.shard !== id || !isRecord(data.pages)) throw corrupt(`shard ${id} of the manifest is malformed`);
  const pages = data.pages as Record<string, unknown>;
  // for-in, not Object.entries: no [key, value] array per page.
  for (const p in pages) {
    checkEntry(p, pages[p], corrupt);
    if (shardOf(p, bits) !== id) throw corrupt(`manifest entry for ${JSON.stringify(p)} is in the wrong shard (${id})`);
    into[p] = pages[p] as PageEntry;
  }
}

/** Entries read line by line, checked as `parseShard` checks them. */
export function addEntries(
  entries: [string, unknown][],
  id: string,
  bits: number,
  into: Record<string, PageEntry>,
  file: string,
  root: string,
): void {
  const corrupt = (msg: string) => new IsrError('MANIFEST_CORRUPT', msg, { file: path.relative(root, file), hint: wayOutOf(file, root) });
  for (const [p, e] of entries) {
    checkEntry(p, e, corrupt);
    if (shardOf(p, bits) !== id) throw corrupt(`manifest entry for ${JSON.stringify(p)} is in the wrong shard (${id})`);
    into[p] = e as PageEntry;
  }
}

function checkEntry(p: string, e: unknown, corrupt: (msg: string) => IsrError): void {
  if (!isRecord(e) || typeof e.route !== 'string' || typeof e.builtAt !== 'number' || typeof e.status !== 'string') {
    throw corrupt(`manifest entry for ${JSON.stringify(p)} is malformed`);
  }
  // A time no clock can give (1e20, negative, Infinity from `1e999`) would make the page due never
  // or always, and `isr status` would fail formatting it: the file was not written by isr.
  if (
    !isInstant(e.builtAt) ||
    (e.changedAt !== undefined && !isInstant(e.changedAt)) ||
    (e.retryAt !== undefined && !isDueTime(e.retryAt)) ||
    !isRevalidate(e.revalidate)
  ) {
    throw corrupt(`manifest entry for ${JSON.stringify(p)} holds an impossible time or revalidate`);
  }
  // Paths and files flow back into file-system calls and into the change set given to onChange
  // and --exec (a purge or upload script): a tampered or foreign manifest must not name anything
  // outside the output folder.
  if (!isSafeUrlPath(p) || (e.file !== undefined && !isSafeRelFile(e.file))) {
    throw corrupt(`manifest entry for ${JSON.stringify(p)} points outside the output folder`);
  }
}

/** An outDir-relative, "/"-separated file that cannot leave outDir. */
function isSafeRelFile(f: unknown): boolean {
  return typeof f === 'string' && f.length > 0 && !f.startsWith('/') && !f.endsWith('/') && !UNSAFE_SEGMENT.test(f) && !f.includes('//');
}
/** A "." or ".." segment, a backslash or a NUL (one regex, no split: it runs for every entry read). */
const UNSAFE_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)|[\\\0]/;

/** A URL path as the planner makes them: absolute, no "." / ".." segments, no backslash or NUL. */
function isSafeUrlPath(p: string): boolean {
  return p.startsWith('/') && !UNSAFE_SEGMENT.test(p);
}

/** An instant a run recorded: 0 (never) or a time the clock accepts (clock.ts: before 2200). */
function isInstant(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= MAX_NOW;
}

/**
 * A computed due time (an instant plus a revalidate): finite and not negative. No ceiling: a
 * config may set a revalidate of millennia, and isr itself would then write such a time.
 */
function isDueTime(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && Number.isFinite(v);
}

function isRevalidate(v: unknown): boolean {
  return v === false || (typeof v === 'number' && v >= 1 && Number.isFinite(v));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
