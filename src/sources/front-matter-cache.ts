/**
 * The `files` source's front matter kept between processes, so that a regen after one title
 * edit does not read and parse the whole folder again for the listings (a route's `paths()`,
 * an index page): 20k files cost ~0.5 s of such a run (BENCHMARKS.md, issue 18 item 2).
 *
 * Each file's front matter (the data `list()` gives) is kept under the stat signature of the
 * bytes it was parsed from (sources/snapshot.ts's statLine: size, mtime, ctime, inode), and
 * reused only while the file's stat is exactly that. The stats come from change detection, which
 * has just stat'ed every file of the folder: a run without detection (`--no-detect`, `isr
 * serve`) neither reads nor writes the cache. A cache that is not one written here (cut short,
 * edited, another version) is ignored with one warning and every file is read: it can cost a
 * read, never give an old value for a changed file.
 *
 * One text file, a line per file: `key \t size \t mtimeMs \t ctimeMs \t ino \t json`, after a
 * header with the count of lines (so a file cut short on a line end is known). JSON writes no raw
 * tab or newline, and keys are escaped as in the snapshot. Only data that JSON gives back exactly
 * is kept (plain objects, arrays, strings, finite numbers, booleans, null): a date object of TOML
 * front matter, say, is not, and its file is read every time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempPathFor } from '../write/write-atomic.js';
import { escapeKey, isRacy } from './snapshot.js';

const MAGIC = 'isr-front-matter 1 ';

export class FrontMatterCache {
  /** Escaped key → [stat line, json], from the file (read on first use). */
  private stored: Map<string, [stat: string, json: string]> | undefined;
  /** The text read, to skip writing the same bytes again. */
  private storedText = '';
  /** Escaped key → its line for the next write: what this run found or read. */
  private readonly lines = new Map<string, string>();
  private warned = false;

  constructor(
    private readonly file: string,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * The front matter of the file whose stat line (sources/snapshot.ts: `key \t size \t mtimeMs
   * \t ctimeMs \t ino \t`) is `stat`, parsed from bytes with exactly that stat, as fresh objects;
   * else undefined.
   */
  get(stat: string): Record<string, any> | undefined {
    const escaped = stat.slice(0, stat.indexOf('\t'));
    const hit = this.load().get(escaped);
    if (!hit || hit[0] !== stat) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(hit[1]);
    } catch {
      data = undefined;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      this.unusable(`the line of ${escaped} is not one isr wrote`);
      return undefined;
    }
    this.lines.set(escaped, `${stat}${hit[1]}\n`);
    return data as Record<string, any>;
  }

  /**
   * What a read of `key` gave, `sig` its statLine; kept if JSON gives it back exactly, and if the
   * file is not racy (written so recently that it may change again with this very stat: isRacy).
   * Call before anything can change `data`.
   */
  put(key: string, sig: string, data: Record<string, any>, now = Date.now()): void {
    if (isRacy(Number(sig.split('\t')[2]), now) || !jsonExact(data, new Set())) return;
    const escaped = escapeKey(key);
    this.lines.set(escaped, `${escaped}\t${sig}\t${JSON.stringify(data)}\n`);
  }

  /**
   * Write the entries of `keys` (a whole listing, in its order: a deleted file's entry goes),
   * unless the text would be the one read. Temp file and rename: a crash leaves old or new.
   */
  save(keys: readonly string[]): void {
    const body: string[] = [];
    for (const key of keys) {
      const line = this.lines.get(escapeKey(key));
      if (line !== undefined) body.push(line);
    }
    const text = `${MAGIC}${body.length}\n${body.join('')}`;
    if (text === this.storedText) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = tempPathFor(this.file);
    writeFileSync(tmp, text);
    renameSync(tmp, this.file);
    this.storedText = text;
  }

  private load(): Map<string, [string, string]> {
    if (this.stored) return this.stored;
    this.stored = new Map();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return this.stored; // none yet
    }
    const parsed = parseCache(text);
    if (parsed) {
      this.stored = parsed;
      this.storedText = text;
    } else this.unusable('it is not one isr wrote (cut short, edited, or from another version)');
    return this.stored;
  }

  /** Warn once, and trust none of it: every file not yet taken from it is read. */
  private unusable(why: string): void {
    this.stored = new Map();
    this.storedText = '';
    if (this.warned) return;
    this.warned = true;
    this.warn(`its front-matter cache ${path.basename(this.file)} is unusable: ${why}; reading the files instead`);
  }
}

/** Key → [stat line, json] of a cache's text, or undefined if it is not one written here. */
function parseCache(text: string): Map<string, [string, string]> | undefined {
  if (!text.startsWith(MAGIC)) return undefined;
  const headEnd = text.indexOf('\n');
  const count = Number(text.slice(MAGIC.length, headEnd));
  if (headEnd < 0 || !Number.isInteger(count) || (text.length > headEnd + 1 && !text.endsWith('\n'))) return undefined;
  const out = new Map<string, [string, string]>();
  for (let pos = headEnd + 1; pos < text.length; ) {
    const end = text.indexOf('\n', pos);
    // key, four stat numbers, json: the json starts after the fifth tab.
    let tab = pos;
    for (let i = 0; i < 5 && tab >= 0; i++) tab = text.indexOf('\t', tab + 1);
    const keyEnd = text.indexOf('\t', pos);
    if (tab < 0 || tab > end || keyEnd === pos) return undefined;
    out.set(text.slice(pos, keyEnd), [text.slice(pos, tab + 1), text.slice(tab + 1, end)]);
    pos = end + 1;
  }
  return out.size === count ? out : undefined;
}

/**
 * True when JSON.parse(JSON.stringify(v)) is a value equal to `v` in every way a page can see:
 * no undefined, functions, symbols, bigints, non-finite numbers or -0, objects with a prototype
 * of their own (Date, class instances) or an own `__proto__` key, array holes, and no object
 * reached twice (JSON would make two of it).
 */
function jsonExact(v: unknown, seen: Set<object>): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (seen.has(v)) return false;
      seen.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonExact(v[i], seen)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype || Object.hasOwn(v, '__proto__')) return false;
      for (const key in v) if (!jsonExact((v as Record<string, unknown>)[key], seen)) return false;
      // Symbol keys and non-enumerable properties JSON would drop.
      return Object.getOwnPropertySymbols(v).length === 0 && Object.getOwnPropertyNames(v).length === Object.keys(v).length;
    }
    default:
      return false;
  }
}

/**
 * The front-matter cache's file in the cache folder: one per folder and `include`. Named by an
 * FNV-1a of both, not hash.ts: a regen with nothing changed sets the source up but hashes
 * nothing, and node:crypto would cost its start-up ~5 ms.
 */
export function frontMatterCacheFile(dirRel: string, include: string[] | undefined): string {
  const name = dirRel.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  const text = `${dirRel}\0${JSON.stringify(include ?? null)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${name}.${(h >>> 0).toString(36)}.front-matter`;
}
