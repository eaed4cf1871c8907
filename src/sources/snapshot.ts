import { readFileSync, type Stats, statSync } from 'node:fs';
import { hash } from '../hash.js';

/**
 * Change detection for sources that read local files: what a folder held at the last publish
 * (per file: size, mtime, ctime, inode and a content hash), compared with what it holds now. A
 * file whose stat is unchanged is not read; one whose stat changed is hashed, and counts as
 * changed only if its bytes did (mtime alone is unsafe both ways: a `touch` changes it without a
 * change, and a checkout, an rsync or `touch -d` can put an old one back over new bytes; the
 * ctime, which no call can set back, gives an in-place write away, and the inode a replaced
 * file). Kept by isr between runs as the source's `changes()` state.
 *
 * The snapshot is one string, a line per file: `key \t size \t mtimeMs \t ctimeMs \t ino \t hashes` (the
 * hashes of the two parts of `SplitFile`, 16 characters each). As 20k objects, it cost every
 * regen its parse and their garbage (BENCHMARKS.md); as one string it parses at memory speed,
 * and the folder's stat lines are checked against it in place, in listing order, with no object
 * built per file.
 */
export interface FileSnapshot {
  /** 3 since the ctime is in the line; a version 2 text (no ctime) is read as a previous one. */
  version: 3;
  files: string;
}

/**
 * A file whose ctime is this close to the time its stat was taken may be written again within the
 * same tick of the file system's clock (the kernel's coarse clock: 1-10 ms) with the same size,
 * and then keep exactly that stat: "racy", as git calls it. Its line is written so that it
 * matches no stat (racyLine), so the next run reads and hashes it again instead of trusting it;
 * the front-matter cache does not keep it. 100 ms is ten ticks of the coarsest local clock; a
 * network file system whose server's clock runs ahead of ours by more is not covered.
 */
export const RACY_MS = 100;

/** True when a file with this ctime, stat'ed at `now` (ms), may change without its stat changing. */
export const isRacy = (ctimeMs: number, now: number) => ctimeMs >= now - RACY_MS;

/** A file's stat as its snapshot line holds it (and the files source's signature of a file it parsed). */
export const statLine = (st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }) =>
  `${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.ino}`;

/**
 * `change`: bytes changed that a listing can show (see `split`), or any bytes without a split;
 * `body`: only the rest changed (a Markdown body), so a page that lists the file shows the same.
 */
export type FileEvent = 'add' | 'change' | 'body' | 'unlink';

/**
 * A file's bytes in two parts, hashed apart: what a listing shows (front matter), and the rest.
 * Without it, all bytes are the first part.
 */
export type SplitFile = (bytes: Buffer, key: string) => [shown: string | Uint8Array, rest: string | Uint8Array];
const WHOLE: SplitFile = (bytes) => [bytes, ''];

/**
 * The files that were added, changed (bytes) or deleted since `previous`, and the new snapshot.
 * `files` are what the source lists now, as [key, absolute path]; the key (a path relative to the
 * site root) is what the snapshot and the events use, so a site restored into another folder (a
 * CI runner) compares as it should. Without a usable previous snapshot every file counts as
 * added: a first run cannot tell what changed, so it must not say "nothing". `unusable`: there
 * was a previous state, but not one written here (the caller warns; none of it is trusted).
 */
export function compareFiles(
  files: readonly (readonly [string, string])[],
  previous: unknown,
  split: SplitFile = WHOLE,
  /** The time the stats are taken (ms, the file system's clock): see isRacy. */
  now = Date.now(),
): { events: [string, FileEvent][]; snapshot: FileSnapshot; complete: boolean; unusable: boolean; stats: (string | undefined)[] } {
  // Each file's stat line (`key \t size \t mtimeMs \t ctimeMs \t ino \t`), undefined if it is
  // gone; returned too (the files source's front-matter cache is keyed by them).
  const stats: (string | undefined)[] = new Array(files.length);
  const keys: string[] = new Array(files.length);
  // Each file's racy (isRacy) state, for the lines written below.
  const racy = new Uint8Array(files.length);
  const prevText = isSnapshot(previous) ? previous.files : undefined;
  // The common case, nothing changed: every stat line is the next line of the previous text.
  let pos = prevText === undefined ? -1 : 0;
  for (let i = 0; i < files.length; i++) {
    const [key, abs] = files[i]!;
    let st: Stats | undefined;
    try {
      st = statSync(abs);
    } catch {
      // gone between the listing and now: not there, so not in the snapshot
    }
    const escaped = escapeKey(key);
    keys[i] = escaped;
    // One template (statLine's fields): a nested one made every comparison below flatten it first.
    const line = st && `${escaped}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.ino}\t`;
    stats[i] = line;
    if (st && isRacy(st.ctimeMs, now)) racy[i] = 1;
    if (pos < 0 || line === undefined) {
      pos = -1;
      continue;
    }
    const hashEnd = pos + line.length + HASH_LENGTH;
    if (holds(prevText!, pos, line) && prevText!.charCodeAt(hashEnd) === NEWLINE) pos = hashEnd + 1;
    else pos = -1;
  }
  if (prevText !== undefined && pos === prevText.length && (previous as FileSnapshot).version === 3)
    return { events: [], snapshot: previous as FileSnapshot, complete: true, unusable: false, stats };

  const text = previous === undefined ? undefined : previousText(previous);
  const legacy = (previous as { version?: unknown } | undefined)?.version !== 3; // lines without the ctime (withoutCtime)
  const found = text === undefined ? undefined : compareWith(files, stats, keys, racy, text, split, legacy);
  if (found) return { ...found, complete: true, unusable: false, stats };
  // No previous snapshot, or one not written here (then none of it is trusted): all is new.
  const all = compareWith(files, stats, keys, racy, '', split)!;
  return { events: all.events, snapshot: all.snapshot, complete: false, unusable: previous !== undefined, stats };
}

/**
 * The files against the previous snapshot's `text`, read in step with the listing (both are in
 * listing order, so after a few edits nearly every line is the next one and no table of the
 * 20k previous lines is built); a file found elsewhere (an add, another order) is looked up in
 * one built then. Undefined if a line it reads is not one written here. `legacy`: the text is of
 * version 1 or 2 (see withoutCtime).
 */
function compareWith(
  files: readonly (readonly [string, string])[],
  stats: readonly (string | undefined)[],
  keys: readonly string[],
  racy: Uint8Array,
  text: string,
  split: SplitFile,
  legacy = false,
): { events: [string, FileEvent][]; snapshot: FileSnapshot } | undefined {
  const events: [string, FileEvent][] = [];
  // The new text: runs of previous lines taken unchanged and in step are copied as slices of
  // `text` (from `copied` to `pos`), so a few edits cost a few pieces, not 20k.
  const out: string[] = [];
  let copied = 0;
  let pos = 0;
  // Previous lines passed over (deleted, or taken out of order), and those taken out of order.
  const passed: number[] = [];
  const taken = new Set<number>();
  let table: Map<string, number> | undefined;
  const flush = () => {
    if (pos > copied) out.push(text.slice(copied, pos));
  };
  for (let i = 0; i < files.length; i++) {
    const line = stats[i];
    if (line === undefined) continue;
    if (holds(text, pos, line) && text.charCodeAt(pos + line.length + HASH_LENGTH) === NEWLINE) {
      pos += line.length + HASH_LENGTH + 1; // the common case: the next line, unchanged
      continue;
    }
    flush();
    const key = keys[i]!;
    let at = -1;
    // Lines of files listed before this one that are not here now: deleted (or out of order).
    while (pos < text.length && keyAt(text, pos) < key) {
      if (!validLine(text, pos)) return undefined;
      passed.push(pos);
      pos = lineEnd(text, pos);
    }
    if (pos < text.length && holds(text, pos, `${key}\t`)) {
      at = pos;
      pos = lineEnd(text, pos);
    } else {
      table ??= lineTable(text);
      if (!table) return undefined;
      at = table.get(key) ?? -1;
      if (at >= 0) taken.add(at);
    }
    copied = pos;
    if (at >= 0 && !validLine(text, at)) return undefined;
    let h: string;
    if (at >= 0 && (holds(text, at, line) || (legacy && holds(text, at, withoutCtime(line))))) {
      const was = lineEnd(text, at) - 1 - HASH_LENGTH;
      h = text.slice(was, was + HASH_LENGTH);
    } else {
      const [key, abs] = files[i]!;
      try {
        const [shown, rest] = split(readFileSync(abs), key);
        h = hash(shown) + hash(rest);
      } catch {
        continue; // unreadable now: left out, so the next run compares it again
      }
      const was = lineEnd(text, at) - 1 - HASH_LENGTH;
      if (at < 0) events.push([key, 'add']);
      else if (!holds(text, was, h.slice(0, HALF))) events.push([key, 'change']);
      else if (!holds(text, was + HALF, h.slice(HALF))) events.push([key, 'body']);
    }
    out.push(racy[i] ? racyLine(line) : line, h, '\n');
  }
  flush();
  for (; pos < text.length; pos = lineEnd(text, pos)) {
    if (!validLine(text, pos)) return undefined;
    passed.push(pos);
  }
  for (const p of passed) if (!taken.has(p)) events.push([unescapeKey(keyAt(text, p)), 'unlink']);
  return { events, snapshot: { version: 3, files: out.join('') } };
}

/** The line of a racy file: its ctime written as 0, which no stat taken now gives, so it is hashed next run. */
function racyLine(line: string): string {
  const f = line.split('\t');
  f[3] = '0';
  return f.join('\t');
}

/**
 * A stat line as versions 1 and 2 wrote it, without the ctime (`key \t size \t mtimeMs \t ino \t`):
 * a file they recorded is taken as unchanged by their rule for the one run that upgrades the
 * snapshot, rather than hashing the whole folder (and, from version 1, whose one hash cannot
 * tell a body from front matter, re-rendering every page).
 */
function withoutCtime(line: string): string {
  const f = line.split('\t');
  return f.length === 6 ? `${f[0]}\t${f[1]}\t${f[2]}\t${f[4]}\t` : line;
}

/**
 * Whether `text` holds `part` at `pos`: `text.startsWith(part, pos)`, which in V8 compares
 * character by character (~7× slower than this slice and one comparison, 20k times a run).
 */
const holds = (text: string, pos: number, part: string) => text.slice(pos, pos + part.length) === part;
const keyAt = (text: string, pos: number) => text.slice(pos, text.indexOf('\t', pos));
/** Where the line at `pos` ends (after its newline). */
const lineEnd = (text: string, pos: number) => {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
};

/** A line's hash field: hash() (hash.ts) of each part. One not this long was not written here. */
const HALF = 16;
const HASH_LENGTH = 2 * HALF;
const NEWLINE = 10;
const HASH = /^[A-Za-z0-9_-]{16}$/; // version 1's
// Four numbers since version 3; version 2's three (no ctime) are read as a previous snapshot.
const LINE = /([^\t\n]+)\t\d[^\t\n]*\t\d[^\t\n]*\t\d[^\t\n]*\t(?:\d[^\t\n]*\t)?[A-Za-z0-9_-]{32}\n/y;

/** One line of the text, from `lastIndex`: key, three or four numbers, hash (numbers checked loosely). */
function validLine(text: string, pos: number): boolean {
  LINE.lastIndex = pos;
  return LINE.test(text);
}

/** Where each (escaped) key's line starts, or undefined if a line is not one written here. */
function lineTable(text: string): Map<string, number> | undefined {
  const at = new Map<string, number>();
  for (let pos = 0; pos < text.length; pos = LINE.lastIndex) {
    LINE.lastIndex = pos;
    const m = LINE.exec(text);
    if (!m) return undefined;
    at.set(m[1]!, pos);
  }
  return at;
}

/**
 * The previous snapshot as text, or undefined if it is not one written here. Versions 1 (one
 * object per file, isr before the line format) and 2 (lines without the ctime) are read as well,
 * so an upgrade costs no full re-render: their stat lines match no file's now, so every file is
 * hashed once and counts as changed only if its hashes differ.
 */
function previousText(v: unknown): string | undefined {
  return isSnapshot(v) ? v.files : fromVersion1(v);
}

function fromVersion1(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || (v as { version?: unknown }).version !== 1) return undefined;
  const files = (v as { files?: unknown }).files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return undefined;
  let text = '';
  for (const [key, r] of Object.entries(files as Record<string, any>)) {
    if (typeof r !== 'object' || r === null || typeof r.size !== 'number' || typeof r.mtimeMs !== 'number') return undefined;
    if (typeof r.ino !== 'number' || typeof r.hash !== 'string' || !HASH.test(r.hash)) return undefined;
    // Its one hash for both parts: a file whose stat moved then counts as changed (only once).
    text += `${escapeKey(key)}\t${r.size}\t${r.mtimeMs}\t${r.ino}\t${r.hash}${r.hash}\n`;
  }
  return text;
}

function isSnapshot(v: unknown): v is FileSnapshot {
  if (typeof v !== 'object' || v === null || typeof (v as FileSnapshot).files !== 'string') return false;
  const version = (v as { version?: unknown }).version;
  return version === 3 || version === 2;
}

// A key is a path: on POSIX it may hold a tab, a newline or a backslash, which the line format
// escapes (rare enough that the checks come first: three scans cost less than a regex test).
export function escapeKey(key: string): string {
  if (!key.includes('\t') && !key.includes('\n') && !key.includes('\\')) return key;
  return key.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
}
function unescapeKey(key: string): string {
  return key.includes('\\') ? key.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c)) : key;
}
