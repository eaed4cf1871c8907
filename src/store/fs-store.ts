/**
 * The local folder as a store: today's behaviour behind the store seam (store.ts). An object is
 * a file under the root; a write is a temp file beside it, flushed, then renamed (readers see the
 * old or the new bytes); a version is the file's inode, size and mtime (one stat, no read).
 *
 * Preconditions: `ifAbsent` is a hard link of the staged file to the key, which the kernel refuses
 * if the key exists (atomic even between processes). `ifVersion` is a stat then a rename, with no
 * turn of the event loop in between: atomic within the process, and between processes because
 * every isr writer holds the site's lease (`leases`, the lock of manifest/lock.ts) while it
 * publishes. The lease alone is not the guarantee, though: a writer whose lease lapsed (a stalled
 * run, a host with a wrong clock) still fails the version check when another wrote meanwhile.
 */
import {
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../manifest/lock.js';
import { type Durability, fsyncDurability } from '../write/durable.js';
import { TEMP_SUFFIX, tempPathFor } from '../write/write-atomic.js';
import { checkKey, holds, preconditionFailed, signatureOfStats } from './precondition.js';
import type { Lease, LeaseStore, ObjectInfo, PutOptions, SiteStore, Store, StoredObject } from './store.js';

export interface FsStoreOptions {
  /** How a write reaches the disk before it counts (default: fsync of the file, then of its folder). */
  durability?: Durability;
}

/** A store over the folder `root` (made on the first write). */
export function fsStore(root: string, o: FsStoreOptions = {}): Store {
  const durable = o.durability ?? fsyncDurability([root]);
  const abs = (key: string) => {
    checkKey(key);
    return path.join(root, ...key.split('/'));
  };
  return {
    async get(key) {
      return readObject(abs(key), key);
    },
    async head(key) {
      const st = statQuiet(abs(key));
      return st && { key, version: signatureOfStats(st), size: st.size };
    },
    async put(key, body, po: PutOptions = {}) {
      const file = abs(key);
      let tmp: string;
      if (body instanceof Uint8Array) {
        // The bytes are the store's to make durable; a `{ file }` was staged (and flushed, in one
        // batch with the rest of a run) by the caller.
        tmp = stageBytes(file, body);
        await durable.flush([tmp]).catch((err) => {
          rmSync(tmp, { force: true });
          throw err;
        });
      } else tmp = body.file;
      const version = commit(file, tmp, key, po);
      await durable.flush([path.dirname(file)]);
      return version;
    },
    list(prefix) {
      return listObjects(root, prefix);
    },
    async deleteMany(keys) {
      for (const key of keys) removeAndPrune(abs(key), root);
    },
  };
}

/** The site's folders as a SiteStore: the output folder (served) and the state folder (`.isr/`). */
export function fsSiteStore(o: { outDir: string; stateDir: string; durability?: Durability; clock?: () => number }): SiteStore {
  return {
    kind: 'fs',
    site: fsStore(o.outDir, o),
    state: fsStore(o.stateDir, o),
    leases: fsLeases(o.stateDir, o.clock),
  };
}

/**
 * Leases as lock folders in `stateDir` (manifest/lock.ts): the site's run lease is named `lock`.
 * On one host a holder is judged by its pid, not its clock: a live process keeps its lease even
 * past `ttlMs` (it fails its own `assertHeld`, so it publishes nothing), a dead one loses it at once.
 */
export function fsLeases(stateDir: string, clock?: () => number): LeaseStore {
  return {
    async acquire(name, o): Promise<Lease> {
      checkKey(name);
      const lock = await acquireLock(stateDir, {
        name,
        command: o.owner,
        leaseMs: o.ttlMs,
        waitSeconds: (o.waitMs ?? 0) / 1000,
        ...(clock ? { clock } : {}),
      });
      return {
        owner: o.owner,
        version: lock.token,
        recovered: lock.recovered,
        get expiresAt() {
          return lock.expiresAt;
        },
        renew: async () => lock.renew(),
        release: () => lock.release(),
        assertHeld: () => lock.assertHeld(),
      };
    },
  };
}

function stageBytes(file: string, body: Uint8Array): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    writeFileSync(tmp, body);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return tmp;
}

/** Rename (or, for `ifAbsent`, link) the staged file to its key; synchronous from check to rename. */
function commit(file: string, tmp: string, key: string, po: PutOptions): string {
  try {
    const want = po.if;
    if (want && 'ifAbsent' in want) {
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = statQuiet(file);
        throw preconditionFailed('store', key, want, st && signatureOfStats(st));
      }
      unlinkSync(tmp);
    } else {
      if (want) {
        const st = statQuiet(file);
        const found = st && signatureOfStats(st);
        if (!holds(want, found)) throw preconditionFailed('store', key, want, found);
      }
      mkdirSync(path.dirname(file), { recursive: true });
      renameSync(tmp, file);
    }
    return signatureOfStats(statSync(file));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The bytes and the version of the same file: stat and read through one descriptor. */
function readObject(file: string, key: string): StoredObject | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const body = new Uint8Array(st.size);
    for (let n = 0; n < st.size; ) {
      const got = readSync(fd, body, n, st.size - n, n);
      if (got === 0) break;
      n += got;
    }
    return { key, version: signatureOfStats(st), size: st.size, body };
  } finally {
    closeSync(fd);
  }
}

function statQuiet(file: string) {
  try {
    const st = statSync(file);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

async function* listObjects(root: string, prefix: string): AsyncIterable<ObjectInfo> {
  // Walk only the folder the prefix names (its part up to the last '/').
  const cut = prefix.lastIndexOf('/');
  const base = cut < 0 ? '' : prefix.slice(0, cut);
  if (base) checkKey(base);
  const found: ObjectInfo[] = [];
  walk(path.join(root, ...base.split('/').filter(Boolean)), base, prefix, found);
  found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  yield* found;
}

function walk(dir: string, rel: string, prefix: string, out: ObjectInfo[]): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of entries) {
    if (d.name.endsWith(TEMP_SUFFIX)) continue; // staged, never published
    const key = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) {
      if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) walk(path.join(dir, d.name), key, prefix, out);
    } else if (d.isFile() && key.startsWith(prefix)) {
      const st = statQuiet(path.join(dir, d.name));
      if (st) out.push({ key, version: signatureOfStats(st), size: st.size });
    }
  }
}

/** Delete a file (gone already is fine) and the folders it leaves empty, up to the root. */
function removeAndPrune(file: string, root: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    return;
  }
  for (let dir = path.dirname(file); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      break; // not empty
    }
  }
}
