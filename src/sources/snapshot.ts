import { readFileSync, type Stats, statSync } from 'node:fs';
import { hash } from '../hash.js';

/**
 * Change detection for sources that read local files: what a folder held at the last publish
 * (per file: size, mtime, inode and a content hash), compared with what it holds now. A file
 * whose stat is unchanged is not read; one whose stat changed is hashed, and counts as changed
 * only if its bytes did (mtime alone is unsafe both ways: a `touch` changes it without a change,
 * and a checkout or an rsync can restore an old one over new bytes, which size or inode then give
 * away). Kept by isr between runs as the source's `changes()` state.
 */
export interface FileSnapshot {
  version: 1;
  files: Record<string, { size: number; mtimeMs: number; ino: number; hash: string }>;
}

export type FileEvent = 'add' | 'change' | 'unlink';

/**
 * The files that were added, changed (bytes) or deleted since `previous`, and the new snapshot.
 * `files` are what the source lists now, as [key, absolute path]; the key (a path relative to the
 * site root) is what the snapshot and the events use, so a site restored into another folder (a
 * CI runner) compares as it should. Without a usable previous snapshot every file counts as
 * added: a first run cannot tell what changed, so it must not say "nothing".
 */
export function compareFiles(
  files: readonly (readonly [string, string])[],
  previous: unknown,
): { events: [string, FileEvent][]; snapshot: FileSnapshot; complete: boolean; unusable: boolean } {
  // A previous state that is not a snapshot as written here (hand-edited, another version, a
  // tool's damage) is not trusted in part: every file is compared as new, and the caller warns.
  const usable = isSnapshot(previous);
  const prev = usable ? previous.files : undefined;
  const unusable = previous !== undefined && !usable;
  const next: FileSnapshot['files'] = {};
  const events: [string, FileEvent][] = [];
  // Whether anything differs from `previous` (a stat, a file): if not, `previous` itself is handed
  // back, and isr does not rewrite a snapshot that did not change (~2 MB at 20k files).
  let moved = false;
  for (const [key, abs] of files) {
    let st: Stats;
    try {
      st = statSync(abs);
    } catch {
      continue; // gone between the listing and now: not there, so not in the snapshot
    }
    const p = prev && Object.hasOwn(prev, key) ? prev[key] : undefined;
    if (p && p.size === st.size && p.mtimeMs === st.mtimeMs && p.ino === st.ino) {
      next[key] = p;
      continue;
    }
    moved = true;
    let h: string;
    try {
      h = hash(readFileSync(abs));
    } catch {
      continue;
    }
    next[key] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash: h };
    if (!p) events.push([key, 'add']);
    else if (p.hash !== h) events.push([key, 'change']);
  }
  if (prev) for (const key in prev) if (!Object.hasOwn(next, key)) events.push([key, 'unlink']);
  if (prev && !moved && !events.length && Object.keys(next).length === Object.keys(prev).length) {
    return { events, snapshot: previous as FileSnapshot, complete: true, unusable };
  }
  return { events, snapshot: { version: 1, files: next }, complete: prev !== undefined, unusable };
}

/** Whether `v` is a snapshot as compareFiles writes it, every record included (~1 ms at 20k files). */
function isSnapshot(v: unknown): v is FileSnapshot {
  if (typeof v !== 'object' || v === null || (v as FileSnapshot).version !== 1) return false;
  const files = (v as FileSnapshot).files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return false;
  for (const key in files) {
    const r = files[key];
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.size !== 'number' ||
      typeof r.mtimeMs !== 'number' ||
      typeof r.ino !== 'number' ||
      typeof r.hash !== 'string'
    )
      return false;
  }
  return true;
}
