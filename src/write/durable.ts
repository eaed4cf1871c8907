import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Making a run's writes survive a power loss. A rename is atomic for readers, but after a crash
 * of the machine (not of the process) the file system may have kept the rename and not the bytes
 * it points to: a zero-length page. So the publish is ordered by flushes: the bytes of every temp
 * file before its rename, the folders holding the renamed entries before the manifest names them,
 * the manifest's shard folder before its head, the head's folder last.
 */
export interface Durability {
  /** Returns once the bytes of these files and the entries of these folders are on the disk. */
  flush(paths: readonly string[]): Promise<void>;
}

/** For a caller that does not need durability (tests of other things, one-off tools). */
export const NOT_DURABLE: Durability = { flush: async () => {} };

/**
 * Up to this many paths are flushed one by one (fsync, in parallel through the thread pool);
 * beyond it, the whole file system of each anchor is flushed at once (syncfs, through
 * `sync -f`). On ext4 on this project's benchmark machine one fsync was ~0.7 ms (0.1 ms each in
 * parallel), so a 20k-page build (a file and a folder per page) paid seconds, while one syncfs
 * of the same dirty data was ~35 ms (BENCHMARKS.md, "fsync").
 */
const ONE_BY_ONE_MAX = 64;
const PARALLEL = 16;

/**
 * The durability of a site's runs. `anchors`: a path on each file system the run writes to (the
 * output folder or its parent, the manifest's folder): a large flush is one syncfs of each.
 */
export function fsyncDurability(anchors: readonly string[], timed?: (ms: number) => void): Durability {
  let syncfs = process.platform === 'linux';
  const flush = async (paths: readonly string[]) => {
    if (paths.length > ONE_BY_ONE_MAX && syncfs) {
      try {
        // One syncfs per file system, not per anchor: the output folder, its parent and .isr/
        // are one file system on most sites, and each `sync -f` is a process to spawn (it
        // showed in a 1%-edit regen's profile; the alternated A/B could not tell it from noise).
        const devices = new Set<number>();
        for (const a of new Set(anchors)) {
          const dev = statSync(a, { throwIfNoEntry: false })?.dev;
          if (dev === undefined || devices.has(dev)) continue;
          devices.add(dev);
          await syncFileSystem(a);
        }
        return;
      } catch {
        syncfs = false; // no `sync -f` here (busybox, an old coreutils): one by one from now on
      }
    }
    let next = 0;
    const list = [...new Set(paths)];
    const worker = async () => {
      while (next < list.length) await fsyncPath(list[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, list.length) }, worker));
  };
  return {
    async flush(paths) {
      if (paths.length === 0) return;
      const started = performance.now();
      try {
        await flush(paths);
      } finally {
        timed?.(performance.now() - started);
      }
    },
  };
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // A folder cannot be fsynced on some platforms (Windows: EPERM; some file systems: EINVAL);
    // there the rename is as durable as the platform makes it. A file's fsync failing is an error.
    const code = (err as NodeJS.ErrnoException).code;
    if (!((code === 'EPERM' || code === 'EINVAL' || code === 'EISDIR' || code === 'EBADF') && (await fh.stat()).isDirectory())) throw err;
  } finally {
    await fh.close();
  }
}

/** syncfs(2) of the file system holding `anchor` (coreutils `sync -f`); rejects if unavailable. */
function syncFileSystem(anchor: string): Promise<void> {
  // Loaded here: node:child_process costs every run that never needs it a few ms of start-up.
  const { execFile } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', anchor], { timeout: 120_000 }, (err) => (err ? reject(err) : resolve()));
  });
}
