import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Whole-file reads into one buffer reused for the whole process: the manifest shards a run reads
 * in part, and the sitemaps a regen edits. A fresh Buffer per file costs its page faults every
 * time (~32 ms per 6.4 MB of shards on this project's benchmark VM, more than reading them);
 * this one is faulted in once. The view returned is valid only until the next call: copy it, or
 * use it up (parse it, write it) first.
 */
export function readFdReused(fd: number): Buffer {
  let n = 0;
  for (;;) {
    if (n === scratch.length) scratch = Buffer.concat([scratch, Buffer.allocUnsafeSlow(scratch.length)]);
    const got = readSync(fd, scratch, n, scratch.length - n, null);
    if (got === 0) break; // end of file (a short read just goes round again)
    n += got;
  }
  return scratch.subarray(0, n);
}
let scratch = Buffer.allocUnsafeSlow(1 << 20);

/** A file's bytes in the reused buffer (valid until the next read), or undefined when it cannot
 * be read (a site file not written yet: the caller makes it whole). */
export function readReusedIfExists(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return readFdReused(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
