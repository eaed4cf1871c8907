import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { RACY_MS } from '../../src/sources/snapshot.js';

/**
 * Resolves once every file under `root` is older than the snapshot's racy window (RACY_MS by the
 * file system's clock). A file written just before a run is "racy" (sources/snapshot.ts): its
 * line is written so that the next run hashes it again, and that next run's state then moves
 * although nothing changed. A test about a run that finds nothing changed waits for this first:
 * the condition itself, polled, not a guessed sleep.
 */
export async function pastRacyWindow(root: string): Promise<void> {
  const newest = newestCtime(root);
  while (Date.now() - newest <= RACY_MS) await new Promise((r) => setTimeout(r, 10));
}

function newestCtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestCtime(full) : statSync(full).ctimeMs);
  }
  return newest;
}
