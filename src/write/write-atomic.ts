import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Every temp file isr creates ends with this; the server never serves such a name. */
export const TEMP_SUFFIX = '.isr-tmp';

/**
 * Temp file in the same directory as `file`: the final rename is then within one file system, so
 * it is atomic (POSIX rename replaces the target in one step; readers see old or new bytes).
 * The leading dot keeps it out of naive directory listings and static servers.
 */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
}

/** Write `data` to `file` via temp file + rename; creates parent folders. */
export async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}
