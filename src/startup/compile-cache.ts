/**
 * The compile cache's folder and files: V8's compiled code for dist/isr.cjs, kept between runs so
 * a cron `isr regen` does not compile the 600 KB bundle again each time (startup/start.ts).
 *
 * Internal, and never in the way: a folder or file that cannot be read or written, or bytes that
 * do not check out, mean "no cache" — no error and no output, the run compiles as without one.
 */
import { hash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Cache files kept in the folder (the one just written and the most recent others): ~0.3–0.6 MB each. */
export const MAX_CACHE_FILES = 3;
/** A temp file older than this was left by a writer that died; removed by the next writer. */
const STALE_TEMP_MS = 10 * 60_000;
const MAGIC = 'isr-compile-cache 1';
const CACHE_FILE = /^isr-[0-9a-f]{16}\.v8$/;

/**
 * The cache folder: Node's own `NODE_COMPILE_CACHE` when set, else `isr-compile-cache-<uid>` in
 * the temp folder (Node's default is its temp folder too). Undefined when
 * `NODE_DISABLE_COMPILE_CACHE=1`, or when the folder cannot be made or is not private: it must
 * belong to this user and be writable by no one else, because V8 runs the code it finds there.
 */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE === '1') return undefined;
  const uid = process.getuid?.();
  const dir = env.NODE_COMPILE_CACHE || path.join(tmpdir(), uid === undefined ? 'isr-compile-cache' : `isr-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * What the cached code is valid for. V8 itself checks only its own version, its flags and the
 * source's length, so the key names the bundle's exact file: size, mtime, ctime and inode (a
 * rebuild or an edit changes the ctime, which no tool can set back; npm gives every installed
 * file the same mtime, so the mtime alone would not do), and the Node that runs it.
 */
export function cacheKey(bundle: Stats): string {
  return JSON.stringify([
    process.version,
    process.arch,
    process.execArgv,
    process.env.NODE_OPTIONS ?? '',
    bundle.dev,
    bundle.ino,
    bundle.size,
    bundle.mtimeMs,
    bundle.ctimeMs,
  ]);
}

/** The file that holds the cache for `key`: one file per key. */
export function cacheFile(dir: string, key: string): string {
  return path.join(dir, `isr-${hash('sha1', key, 'hex').slice(0, 16)}.v8`);
}

/**
 * The cached code for `key`, or undefined. The file's first line names the key and a checksum of
 * the rest: V8 does not check its code cache's bytes in a release build, and crashes on a
 * corrupted one (measured: a few flipped bytes stop Node 20 with a trap).
 */
export function readCache(file: string, key: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(10);
  if (end < 0 || end > 4096) return undefined;
  const data = bytes.subarray(end + 1);
  return bytes.toString('latin1', 0, end).trimEnd() === header(key, data) ? data : undefined;
}

/**
 * Write the cache for `key` as a temp file renamed over the old one (many runs may start at once;
 * a reader sees a whole file or none), then remove all but the newest MAX_CACHE_FILES. `code`
 * makes the bytes; called here, so that nothing it throws escapes an exit handler.
 */
export function writeCache(dir: string, file: string, key: string, code: () => Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const data = code();
    // Padded so the code starts 8-byte aligned in the buffer read back: V8 copies unaligned data.
    let head = header(key, data);
    head += ' '.repeat(7 - (head.length % 8));
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${head}\n`, null, 'latin1');
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    prune(dir, path.basename(file));
  } catch {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

function header(key: string, data: Buffer): string {
  return `${MAGIC} ${hash('sha1', data, 'base64url')} ${key}`;
}

/** Keep the folder bounded: the file just written, the newest others up to MAX_CACHE_FILES, no dead temp files. */
function prune(dir: string, kept: string): void {
  const now = Date.now();
  const others: { name: string; mtime: number }[] = [];
  for (const name of readdirSync(dir)) {
    const isCache = CACHE_FILE.test(name);
    if (name === kept || !(isCache || (name.startsWith('isr-') && name.endsWith('.tmp')))) continue;
    try {
      const mtime = statSync(path.join(dir, name)).mtimeMs;
      if (isCache) others.push({ name, mtime });
      else if (now - mtime > STALE_TEMP_MS) unlinkSync(path.join(dir, name));
    } catch {}
  }
  others.sort((a, b) => b.mtime - a.mtime);
  for (const { name } of others.slice(MAX_CACHE_FILES - 1)) {
    try {
      unlinkSync(path.join(dir, name));
    } catch {}
  }
}
