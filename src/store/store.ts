/**
 * The seam between isr and wherever a site lives: everything a run reads and writes (the pages
 * it serves, the manifest, the lease that serialises runs) is reached through these interfaces.
 * `fs-store.ts` is today's local folder (temp file + rename, fsync, the lock of manifest/lock.ts);
 * `memory-store.ts` is the worked example of a second store, used by unit tests; an S3 store
 * codes against the same names. The shape follows the seams of Next.js's `CacheHandler` and
 * OpenNext's overrides (one small interface, the backend an implementation) with what they lack:
 * conditional writes, which are what make "never an older render over a newer one" true.
 *
 * Keys are '/'-separated and relative, with no leading slash (`blog/x/index.html`,
 * `manifest.json`). Versions are opaque strings: compare them, never parse them.
 */

/** What a deployable object carries besides its bytes (an S3 store sends it as headers; the
 * filesystem store has nowhere to keep it: a local server derives it from the name). */
export interface ObjectMeta {
  contentType?: string;
  cacheControl?: string;
  redirectTo?: string;
  surrogateKeys?: string[];
}

export interface ObjectInfo {
  key: string;
  /** Changes on every write of the key (filesystem: inode, size and mtime; S3: the ETag). */
  version: string;
  size: number;
  meta?: ObjectMeta;
}

export interface StoredObject extends ObjectInfo {
  body: Uint8Array;
}

/** Write only if no object has the key, or only if its current version is this one. */
export type Precondition = { ifAbsent: true } | { ifVersion: string };

export interface PutOptions {
  if?: Precondition;
  meta?: ObjectMeta;
}

export interface Store {
  get(key: string): Promise<StoredObject | undefined>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Atomic per object (readers see the old or the new bytes). Resolves to the new version; a
   * failed precondition rejects with an IsrError of code PRECONDITION_FAILED. `{ file }` lets a
   * filesystem store rename a staged file instead of copying bytes (the file is consumed).
   */
  put(key: string, body: Uint8Array | { file: string }, o?: PutOptions): Promise<string>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Idempotent; absent keys are fine. Batched by the implementation (S3: 1,000 per request). */
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * The version a plain `put` of these bytes will get, when the store can say so before writing
   * (S3: the ETag of a plain PUT is the MD5 of the bytes). A run records it in the page's manifest
   * entry, so that its next put of the page is conditional on it (run/object-publish.ts).
   */
  versionOf?(body: string | Uint8Array): string;
}

/** A lease: one holder at a time, with expiry; a holder whose lease lapsed can be taken over. */
export interface LeaseStore {
  /**
   * Rejects with LOCKED when another holder keeps it past `waitMs` (default 0: try once).
   * `oneRequest`: a store over a network may take a released lease with one conditional write and
   * no check that it honours conditions; the caller then calls `verifyConditionalWrites` before
   * it writes anything (a run does: run-site.ts).
   */
  acquire(name: string, o: { owner: string; ttlMs: number; waitMs?: number; oneRequest?: boolean }): Promise<Lease>;
  /**
   * Stores over a network: refuse (STORE_NO_CONDITIONAL_WRITES) a store that ignores conditional
   * writes, unless this process already found it honours them. Called with the lease `name` held.
   */
  verifyConditionalWrites?(name: string): Promise<void>;
}

export interface Lease {
  readonly owner: string;
  readonly version: string;
  expiresAt: number;
  /**
   * True when this lease was taken over from a holder that lapsed (or died): that holder may have
   * left staged debris, which the new holder sweeps. (A refinement of the interface the S3 store
   * was first given: a run needs to know, and only the lease store can tell.)
   */
  readonly recovered?: boolean;
  renew(): Promise<void>;
  release(): Promise<void>;
  /** Throws LOCK_LOST if the lease lapsed or was taken over: called at the commit point. */
  assertHeld(): void;
}

/** Where a site lives: deployable objects (served) and private state (manifest, lease, caches; never served). */
export interface SiteStore {
  readonly site: Store;
  readonly state: Store;
  readonly leases: LeaseStore;
  readonly kind: 'fs' | 'memory' | 's3';
  /** Where the site is, for messages (`s3://bucket/prefix`). */
  readonly where?: string;
  /** Writes in flight at once when a run publishes to this store (default 32; the fs store renames in turn). */
  readonly uploadConcurrency?: number;
}

/** Every key of a store under `prefix`, collected (for tests and small listings). */
export async function listKeys(store: Store, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list(prefix)) out.push(info.key);
  return out;
}
