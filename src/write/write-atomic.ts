import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Every temp file isr creates ends with this; the server never serves such a name. */
export const TEMP_SUFFIX = '.isr-tmp';

/**
 * Temp file in the same directory as `file`: the final rename is then within one file system, so
 * it is atomic (POSIX rename replaces the target in one step; readers see old or new bytes).
 * The leading dot keeps it out of naive directory listings and static servers.
 */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${RUN_TOKEN}${(++counter).toString(36)}${TEMP_SUFFIX}`);
}
// Unique per process without a random draw per file (which cost ~25 µs each, 0.5 s of a 20k build):
// random once, then a counter. The pid is in the name too, for the lock's sweep after a crash.
const RUN_TOKEN = randomBytes(4).toString('hex');
let counter = 0;

/** A file written under its temp name, not yet visible: `publish` renames it into place. */
export interface TempFile {
  /** The temp file's path (to flush it before `publish`: durable.ts). */
  readonly tmp: string;
  publish(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Phase one of an atomic write: all the bytes go to a temp file beside `file` (creating parent
 * folders). Whatever can fail for lack of space fails here, before anything is visible.
 *
 * Synchronous inside (like Stage's page writes): the manifest of a webhook's run is a shard and a
 * head, and the promise API's thread-pool round trip per call (mkdir, open, write, close, rename)
 * was about a millisecond of each on-demand revalidation in `isr serve`.
 */
export async function writeTemp(file: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<TempFile> {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const discard = async () => {
    try {
      rmSync(tmp, { force: true });
    } catch {}
  };
  try {
    if (Array.isArray(data)) writeParts(tmp, data);
    else writeFileSync(tmp, data as string | Uint8Array);
  } catch (err) {
    await discard();
    throw err;
  }
  return {
    tmp,
    publish: async () => {
      try {
        renameSync(tmp, file);
      } catch (err) {
        await discard();
        throw err;
      }
    },
    discard,
  };
}

/** A file made of several byte ranges (a shard spliced from its old bytes) without joining them
 * first: joining ~100 KB buffers cost more in fresh allocations than the writes. */
function writeParts(file: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(file, 'w', 0o666);
  try {
    for (const part of parts) {
      // writeSync may write less than asked (a full disk, a signal): go on from where it stopped.
      for (let off = 0; off < part.length; ) off += writeSync(fd, part, off, part.length - off);
    }
  } finally {
    closeSync(fd);
  }
}

/** Write `data` to `file` via temp file + rename; creates parent folders. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await (await writeTemp(file, data)).publish();
}
