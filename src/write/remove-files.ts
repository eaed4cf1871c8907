/**
 * Deleting what a run removes from the site, and what a crashed run left: the file side of
 * runSite's last phase (removals listed in the manifest before they happen) and of taking over
 * an abandoned lock.
 */
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { importModule } from '../import-module.js';
import type { Logger } from '../logger.js';
import { TEMP_SUFFIX } from './write-atomic.js';

/** Delete files (outDir-relative) and the folders they leave empty. Missing files are fine. */
export async function removeFiles(outDir: string, files: string[]): Promise<void> {
  for (const rel of files) {
    const abs = path.resolve(outDir, rel);
    if (!abs.startsWith(outDir + path.sep)) continue;
    await rm(abs, { force: true });
    let dir = path.dirname(abs);
    while (dir.startsWith(outDir + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty
      }
      dir = path.dirname(dir);
    }
  }
}

/**
 * After a crashed run: delete the temp files it left (staged pages in outDir, a manifest, a
 * source's cache entry or a first build's whole staged folder in the state folder): never
 * published, never served.
 */
export async function sweepTempFiles(dirs: string[], logger: Logger): Promise<void> {
  let n = 0;
  for (const dir of new Set(dirs)) {
    // Loaded here, not at the top: only a run recovering from a crash needs it, and its import
    // costs every other run (a regen from cron) tens of milliseconds of start-up.
    const { default: fg } = await importModule<{ default: typeof import('fast-glob') }>('fast-glob');
    // Folders too: a first build stages the whole output folder as one (write/stage.ts).
    const temps = await fg(`**/*${TEMP_SUFFIX}`, { cwd: dir, dot: true, absolute: true, onlyFiles: false }).catch(() => []);
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
    n += temps.length;
  }
  if (n) logger.debug(`removed ${n} temp file(s) left by a crashed run`);
}
