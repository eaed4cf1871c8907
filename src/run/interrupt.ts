/**
 * SIGINT and SIGTERM during `isr build` / `isr regen` (Ctrl-C, a cancelled CI job, a container
 * stopped): the run's temp files are deleted and its lock released before the process exits with
 * 128 + the signal's number (130, 143), so the next run neither waits for a lock nor sweeps.
 * Pages already renamed into place stay (each is whole, and newer than the manifest, which the
 * manifest's invariant allows). `isr serve` handles these signals itself (a graceful close).
 */
import { releaseHeldLocks } from '../manifest/lock.js';

const cleanups = new Set<() => void>();
const releases = new Set<() => Promise<void>>();

/** Run `cleanup` (synchronous: the process exits right after) if a signal arrives before the
 * returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/**
 * A lease in a store over the network (S3) is released by a request, not a rename: on a signal
 * the process waits for it at most RELEASE_WAIT_MS before exiting (else the next run waits for the
 * lease to lapse, a minute).
 */
export function onInterruptRelease(release: () => Promise<void>): () => void {
  releases.add(release);
  return () => releases.delete(release);
}
const RELEASE_WAIT_MS = 2000;

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
      const done = () => {
        process.stderr.write(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: nothing more was published; the lock is released\n`);
        process.exit(code);
      };
      if (!releases.size) return done();
      const timer = setTimeout(done, RELEASE_WAIT_MS);
      void Promise.allSettled([...releases].map((r) => r())).then(() => {
        clearTimeout(timer);
        done();
      });
    });
  on('SIGINT', 130);
  on('SIGTERM', 143);
}
