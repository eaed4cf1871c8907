/**
 * Change sets not yet delivered. When `onChange` or `--exec` fails, the run's written/removed
 * files are the only record of what a CDN must purge or a deploy upload: they are kept in
 * `.isr/pending-changes/`, one file per undelivered set, and every later run delivers them merged
 * with its own changes until its hooks succeed; then exactly the files it read are deleted.
 *
 * One file per set, written atomically (temp + rename), rather than one list rewritten in place:
 * runs may overlap here (hooks run after the lock is released, and `isr serve` runs beside cron),
 * and a set written by another run while this one delivered is never read, so never deleted.
 * Two runs may deliver the same set (a purge twice): at least once, never lost.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { ChangeSet } from '../types.js';
import { writeAtomic } from '../write/write-atomic.js';

/** A change set kept on disk, in the order the runs made them. */
export interface PendingSet extends ChangeSet {
  /** Epoch ms of the run whose delivery failed. */
  at: number;
  /** Its file in the pending folder. */
  file: string;
}

/** The folder of undelivered sets, beside the manifest. */
export function pendingDir(stateDir: string): string {
  return path.join(stateDir, 'pending-changes');
}

/**
 * The sets waiting, oldest first. A file that is not a set (edited by hand, or of another
 * version) is skipped with a warning naming it: it must not stop the site's runs.
 */
export function readPending(stateDir: string, logger?: Logger): PendingSet[] {
  const dir = pendingDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const sets: PendingSet[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    let set: unknown;
    try {
      set = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // delivered by another run meanwhile
      set = undefined;
    }
    if (!isChangeSet(set)) {
      logger?.warn(`${path.relative(process.cwd(), file)}: not a change set; ignored (delete it, or fix it to be delivered)`);
      continue;
    }
    sets.push({ at: set.at, written: set.written, removed: set.removed, file });
  }
  return sets.sort((a, b) => a.at - b.at || a.file.localeCompare(b.file));
}

/**
 * Sets merged in order: a file written then removed is removed, removed then written is written.
 * Sorted, without duplicates.
 */
export function mergeChanges(sets: readonly ChangeSet[]): ChangeSet {
  const last = new Map<string, 'written' | 'removed'>();
  for (const s of sets) {
    for (const f of s.written) last.set(f, 'written');
    for (const f of s.removed) last.set(f, 'removed');
  }
  const written: string[] = [];
  const removed: string[] = [];
  for (const [f, what] of [...last].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) (what === 'written' ? written : removed).push(f);
  return { written, removed };
}

/** Keep `changes` for the next run: the sets read (`delivered`) folded into one new file, then
 * theirs deleted (the new file is in place first: a crash in between leaves a duplicate, no loss). */
export async function keepPending(stateDir: string, read: readonly PendingSet[], changes: ChangeSet, now: number): Promise<void> {
  const merged = mergeChanges([...read, changes]);
  const at = read.length ? read[0]!.at : now;
  const name = `${String(at).padStart(15, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.json`;
  await writeAtomic(path.join(pendingDir(stateDir), name), `${JSON.stringify({ at, ...merged })}\n`);
  clearDelivered(read);
}

/** Delete the sets just delivered (only those: another run may have added one meanwhile). */
export function clearDelivered(read: readonly PendingSet[]): void {
  for (const s of read) {
    try {
      unlinkSync(s.file);
    } catch {
      // gone already: another run delivered it too
    }
  }
}

function isChangeSet(v: unknown): v is { at: number; written: string[]; removed: string[] } {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return Number.isFinite(s.at) && isFileList(s.written) && isFileList(s.removed);
}

/** outDir-relative files, as a run reports them: these go to a user's hook (a CDN purge). */
function isFileList(v: unknown): v is string[] {
  return (
    Array.isArray(v) &&
    v.every((f) => typeof f === 'string' && f.length > 0 && !f.startsWith('/') && !f.includes('\\') && !f.split('/').includes('..'))
  );
}
