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
): { events: [string, FileEvent][]; snapshot: FileSnapshot; complete: boolean } {
  const prev = isSnapshot(previous) ? previous.files : undefined;
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
    const p = prev?.[key];
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
  if (prev) for (const key in prev) if (!(key in next)) events.push([key, 'unlink']);
  if (prev && !moved && !events.length && Object.keys(next).length === Object.keys(prev).length) {
    return { events, snapshot: previous as FileSnapshot, complete: true };
  }
  return { events, snapshot: { version: 1, files: next }, complete: prev !== undefined };
}

function isSnapshot(v: unknown): v is FileSnapshot {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as FileSnapshot).version === 1 &&
    typeof (v as FileSnapshot).files === 'object' &&
    (v as FileSnapshot).files !== null
  );
}
