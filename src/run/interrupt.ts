/**
 * SIGINT and SIGTERM during `isr build` / `isr regen` (Ctrl-C, a cancelled CI job, a container
 * stopped): the run's temp files are deleted and its lock released before the process exits with
 * 128 + the signal's number (130, 143), so the next run neither waits for a lock nor sweeps.
 * Pages already renamed into place stay (each is whole, and newer than the manifest, which the
 * manifest's invariant allows). `isr serve` handles these signals itself (a graceful close).
 */
import { releaseHeldLocks } from '../manifest/lock.js';

const cleanups = new Set<() => void>();

/** Run `cleanup` (synchronous: the process exits right after) if a signal arrives before the
 * returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

let installed = false;

/** Called by the CLI commands that run a build or regen. */
export function exitCleanlyOnSignals(): void {
  if (installed) return;
  installed = true;
  const on = (signal: 'SIGINT' | 'SIGTERM', code: number) =>
    process.once(signal, () => {
      for (const c of cleanups) {
        try {
          c();
        } catch {
          // best effort: what is left is swept by the next run that takes the lock
        }
      }
      releaseHeldLocks();
      process.stderr.write(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: nothing more was published; the lock is released\n`);
      process.exit(code);
    });
  on('SIGINT', 130);
  on('SIGTERM', 143);
}
