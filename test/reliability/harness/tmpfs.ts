/**
 * A tiny tmpfs for real "disk full" faults (ENOSPC from the kernel, not a mock). Needs root and
 * `mount`; `tmpfsAvailable()` says why not when it cannot work, and the suite is skipped.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function tmpfsAvailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'not Linux';
  const dir = await mkdtemp(path.join(tmpdir(), 'isr-rel-tmpfs-probe-'));
  try {
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    await exec('umount', [dir]);
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (${String((err as Error).message).split('\n')[0]}); run as root to include the disk-full suite`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface Tmpfs {
  dir: string;
  /** Fill the file system so that exactly `blocks` blocks stay free. */
  leaveFree(blocks: number): Promise<void>;
  /** Delete the filler. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountTmpfs(sizeKb: number): Promise<Tmpfs> {
  const dir = await mkdtemp(path.join(tmpdir(), 'isr-rel-tmpfs-'));
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler.bin');
  return {
    dir,
    async leaveFree(blocks) {
      await rm(filler, { force: true });
      const s = await statfs(dir);
      const bytes = (s.bavail - blocks) * s.bsize;
      if (bytes > 0) await writeFile(filler, Buffer.alloc(bytes));
      const after = await statfs(dir);
      if (after.bavail !== blocks) throw new Error(`tmpfs: wanted ${blocks} free blocks, have ${after.bavail}`);
    },
    free: () => rm(filler, { force: true }),
    async unmount() {
      await exec('umount', [dir]).catch(() => exec('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
