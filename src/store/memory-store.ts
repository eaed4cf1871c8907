/**
 * A store in memory: the unit tests' store, and the worked example of a second store
 * (ARCHITECTURE.md, "A second store"). Everything a store must guarantee is visible here in a
 * few lines: a version per write, preconditions checked and applied with no await in between,
 * a list in key order, leases that lapse by the clock and can then be taken over.
 */
import { randomBytes } from 'node:crypto';
import { isrError } from '../errors.js';
import { checkKey, holds, preconditionFailed } from './precondition.js';
import type { Lease, LeaseStore, ObjectInfo, ObjectMeta, SiteStore, Store, StoredObject } from './store.js';

interface Held {
  body: Uint8Array;
  version: string;
  meta?: ObjectMeta;
}

let versions = 0;

/** A store whose objects live in a Map (copies in and out: a caller cannot change one in place). */
export function memoryStore(): Store {
  const objects = new Map<string, Held>();
  const info = (key: string, o: Held): ObjectInfo => ({
    key,
    version: o.version,
    size: o.body.length,
    ...(o.meta ? { meta: o.meta } : {}),
  });
  return {
    async get(key) {
      checkKey(key);
      const o = objects.get(key);
      return o && ({ ...info(key, o), body: o.body.slice() } satisfies StoredObject);
    },
    async head(key) {
      checkKey(key);
      const o = objects.get(key);
      return o && info(key, o);
    },
    async put(key, body, po = {}) {
      checkKey(key);
      // A `{ file }` body is read before the check: from the check to the write, no await.
      const bytes = body instanceof Uint8Array ? body.slice() : new Uint8Array(await readStaged(body.file));
      const found = objects.get(key)?.version;
      if (!holds(po.if, found)) throw preconditionFailed('memory store', key, po.if!, found);
      const version = `m${++versions}`;
      objects.set(key, { body: bytes, version, ...(po.meta ? { meta: structuredClone(po.meta) } : {}) });
      return version;
    },
    async *list(prefix) {
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const o = objects.get(key);
        if (o) yield info(key, o);
      }
    },
    async deleteMany(keys) {
      for (const key of keys) objects.delete(key);
    },
  };
}

async function readStaged(file: string): Promise<Buffer> {
  const { readFile, rm } = await import('node:fs/promises');
  const bytes = await readFile(file);
  await rm(file, { force: true });
  return bytes;
}

/** A whole site in memory. `clock`: the time leases are judged by (tests move it). */
export function memorySiteStore(o: { clock?: () => number } = {}): SiteStore {
  return { kind: 'memory', site: memoryStore(), state: memoryStore(), leases: memoryLeases(o.clock ?? Date.now) };
}

interface Holder {
  token: string;
  owner: string;
  expiresAt: number;
}

/** Leases in memory: one holder per name; a lapsed holder is taken over by the next acquire. */
export function memoryLeases(clock: () => number): LeaseStore {
  const holders = new Map<string, Holder>();
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const tryTake = (name: string, owner: string, ttlMs: number): { holder: Holder; recovered: boolean } | undefined => {
    const current = holders.get(name);
    if (current && clock() <= current.expiresAt) return undefined;
    const holder = { token: randomBytes(8).toString('hex'), owner, expiresAt: clock() + ttlMs };
    holders.set(name, holder);
    return { holder, recovered: current !== undefined };
  };
  return {
    async acquire(name, o) {
      checkKey(name);
      const deadline = Date.now() + (o.waitMs ?? 0);
      for (;;) {
        const got = tryTake(name, o.owner, o.ttlMs);
        if (got) return lease(name, got.holder, got.recovered, o.ttlMs);
        const left = deadline - Date.now();
        if (left <= 0) {
          const h = holders.get(name)!;
          throw isrError('LOCKED', [`${h.owner}, a lease of the memory store`]);
        }
        // Woken by a release, or at the deadline (a lapse is noticed then).
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, left);
          waiters.add(done);
        });
      }
    },
  };

  function lease(name: string, h: Holder, recovered: boolean, ttlMs: number): Lease {
    const mine = () => holders.get(name)?.token === h.token;
    return {
      owner: h.owner,
      version: h.token,
      recovered,
      get expiresAt() {
        return h.expiresAt;
      },
      set expiresAt(v: number) {
        h.expiresAt = v;
      },
      async renew() {
        if (mine() && clock() <= h.expiresAt) h.expiresAt = clock() + ttlMs;
      },
      async release() {
        if (!mine()) return;
        holders.delete(name);
        wake();
      },
      assertHeld() {
        if (!mine() || clock() > h.expiresAt) {
          throw isrError('LOCK_LOST', []);
        }
      },
    };
  }
}
