/**
 * Leases in object storage (internal to the S3 store): one JSON object per lease in the private
 * state, `leases/<name>.json` = { owner, token, expiresAt, released? }, only ever replaced by a
 * conditional PUT:
 * - taken with `If-None-Match: *` when absent, or with `If-Match: <version read>` when the body
 *   read says released or lapsed (so of two contenders that read the same free lease, one wins);
 * - renewed with `If-Match` on the holder's own version (a 412 means it was taken over: lost);
 * - released by a conditional PUT of a released body, never by DELETE (Ceph RGW ignores If-Match
 *   on DELETE, so a late holder's delete could remove its successor's lease).
 * Expiry is judged by the clock of whoever reads the body. The lease alone does not keep a stalled
 * holder from publishing; the commit point does: the manifest head is replaced only with If-Match
 * on the version the run read.
 *
 * A store that ignores conditional writes would make all of this void, so the first acquire of a
 * process checks it with a write that must fail (`If-Match` on a version no object has, and on
 * first creation `If-None-Match: *` again) and refuses loudly: STORE_NO_CONDITIONAL_WRITES.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IsrError, isrError } from '../errors.js';
import { checkKey } from './precondition.js';
import type { S3ObjectStore } from './s3-store.js';
import type { Lease, LeaseStore } from './store.js';

interface LeaseBody {
  owner: string;
  token: string;
  expiresAt: number;
  released?: boolean;
}

/**
 * The body of every released lease, byte for byte: its version (the MD5 of these bytes, S3's
 * ETag of a plain PUT) is known in advance, so a free lease is taken with one PUT conditional on
 * it, without reading it first (a run's requests: issue 20's targets).
 */
const RELEASED_BODY = new TextEncoder().encode(JSON.stringify({ owner: '', token: 'released', expiresAt: 0, released: true }));
const RELEASED_VERSION = createHash('md5').update(RELEASED_BODY).digest('hex');

/** A version no object has: a write conditional on it must fail (the probe). */
const NO_SUCH_VERSION = '00000000000000000000000000000000';
/** What the probe writes: a free lease, so a store that ignored the condition is left no worse. */
const PROBE_BODY = new TextEncoder().encode(JSON.stringify({ owner: 'isr probe', token: 'probe', expiresAt: 0, released: true }));

export interface S3LeaseOptions {
  /** Renew a held lease this often (real time, ms); default a third of its length; 0: never. */
  renewEveryMs?: number;
}

export function s3Leases(state: S3ObjectStore, clock: () => number, lo: S3LeaseOptions = {}): LeaseStore {
  let probed = false;
  const encode = (b: LeaseBody) => new TextEncoder().encode(JSON.stringify(b));
  const isPrecondition = (err: unknown) => err instanceof IsrError && err.code === 'PRECONDITION_FAILED';

  /** A write that must fail; if it lands, the store ignores the condition. */
  async function probe(key: string, cond: { ifAbsent: true } | { ifVersion: string }): Promise<void> {
    try {
      await state.put(key, PROBE_BODY, { if: cond });
    } catch (err) {
      if (isPrecondition(err)) return void (probed = true);
      throw err;
    }
    const header = 'ifAbsent' in cond ? 'If-None-Match: *' : 'If-Match';
    throw new IsrError(
      'STORE_NO_CONDITIONAL_WRITES',
      `the S3 store at ${state.client.endpoint} (bucket ${state.client.bucket}) ignored ${header} on a PUT: two isr runs could overwrite each other's pages, so this run stops before publishing`,
      {
        hint: 'use a store that honours conditional writes (AWS S3, Cloudflare R2, Ceph RGW, MinIO), or a proxy that passes If-Match/If-None-Match through',
      },
    );
  }

  return {
    async verifyConditionalWrites(name) {
      // The lease was taken with one PUT, which a store that ignores conditions would also have
      // taken: checked before the run writes anything. If the store ignores it, the lease held is
      // overwritten by a released body, and the run stops.
      if (!probed) await probe(`leases/${name}.json`, { ifVersion: NO_SUCH_VERSION });
    },
    async acquire(name, { owner, ttlMs, waitMs = 0, oneRequest = false }): Promise<Lease> {
      checkKey(name);
      if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new Error(`Invariant: lease length ${ttlMs} ms`);
      const key = `leases/${name}.json`;
      const deadline = Date.now() + waitMs;
      const renewEvery = lo.renewEveryMs ?? Math.floor(ttlMs / 3);
      // A free lease, released as every holder releases it: one PUT over its known version (the
      // caller checks the store honours it before a site's first head: verifyConditionalWrites).
      if (oneRequest && !probed) {
        const fast: LeaseBody = { owner, token: randomBytes(12).toString('hex'), expiresAt: clock() + ttlMs };
        try {
          const version = await state.put(key, encode(fast), { if: { ifVersion: RELEASED_VERSION } });
          return new S3Lease(state, key, fast, version, false, ttlMs, clock, renewEvery);
        } catch (err) {
          if (!isPrecondition(err)) throw err; // held, lapsed, absent or released otherwise: read it
        }
      }
      for (let round = 0; ; round++) {
        const mine: LeaseBody = { owner, token: randomBytes(12).toString('hex'), expiresAt: clock() + ttlMs };
        const current = await state.get(key);
        if (!current) {
          let version: string;
          try {
            version = await state.put(key, encode(mine), { if: { ifAbsent: true } });
          } catch (err) {
            if (isPrecondition(err)) continue; // another contender created it first: read it
            throw err;
          }
          if (!probed) await probe(key, { ifAbsent: true });
          return new S3Lease(state, key, mine, version, false, ttlMs, clock, lo.renewEveryMs ?? Math.floor(ttlMs / 3));
        }
        const held = parseBody(current.body);
        if (held && !held.released && clock() <= held.expiresAt) {
          const left = deadline - Date.now();
          if (left <= 0) {
            throw isrError('LOCKED', [`${held.owner}, until ${new Date(held.expiresAt).toISOString()}`], { file: state.where(key) });
          }
          await sleep(Math.min(left, 50 * 2 ** Math.min(round, 4)));
          continue;
        }
        if (!probed) await probe(key, { ifVersion: NO_SUCH_VERSION });
        let version: string;
        try {
          version = await state.put(key, encode(mine), { if: { ifVersion: current.version } });
        } catch (err) {
          if (isPrecondition(err)) continue; // another contender took it first
          throw err;
        }
        // Taken from a holder that neither released nor renewed it: its debris is the new holder's to sweep.
        return new S3Lease(state, key, mine, version, !held?.released, ttlMs, clock, lo.renewEveryMs ?? Math.floor(ttlMs / 3));
      }
    },
  };
}

class S3Lease implements Lease {
  readonly owner: string;
  expiresAt: number;
  private held = true;
  private timer?: NodeJS.Timeout;
  /**
   * Writes of this lease, one at a time: each is conditional on the version the previous one
   * made, so a renewal (the timer's, the run's) or a release that overlapped another would fail
   * its own If-Match and take the lease for lost, or leave it held until it expires.
   */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: S3ObjectStore,
    private readonly key: string,
    private readonly body: LeaseBody,
    public version: string,
    readonly recovered: boolean,
    private readonly ttlMs: number,
    private readonly clock: () => number,
    renewEveryMs: number,
  ) {
    this.owner = body.owner;
    this.expiresAt = body.expiresAt;
    if (renewEveryMs > 0) {
      // Renewed while the process lives; a renewal that finds the lease taken marks it lost.
      this.timer = setInterval(() => this.renew().catch(() => {}), renewEveryMs);
      this.timer.unref();
    }
  }

  renew(): Promise<void> {
    return this.inTurn(() => this.renewNow());
  }

  release(): Promise<void> {
    if (this.held) clearInterval(this.timer);
    return this.inTurn(() => this.releaseNow());
  }

  private async renewNow(): Promise<void> {
    if (!this.held) return;
    const next = { ...this.body, expiresAt: this.clock() + this.ttlMs };
    try {
      this.version = await this.state.put(this.key, new TextEncoder().encode(JSON.stringify(next)), { if: { ifVersion: this.version } });
      this.expiresAt = next.expiresAt;
    } catch (err) {
      if (!(err instanceof IsrError && err.code === 'PRECONDITION_FAILED')) throw err;
      this.drop();
      this.assertHeld();
    }
  }

  private async releaseNow(): Promise<void> {
    if (!this.held) return;
    this.drop();
    try {
      await this.state.put(this.key, RELEASED_BODY, { if: { ifVersion: this.version } });
    } catch (err) {
      // Taken over meanwhile: the lease is its new holder's, and stays so.
      if (!(err instanceof IsrError && err.code === 'PRECONDITION_FAILED')) throw err;
    }
  }

  assertHeld(): void {
    if (this.held && this.clock() <= this.expiresAt) return;
    throw isrError('LOCK_LOST', [], { file: this.state.where(this.key) });
  }

  private inTurn(write: () => Promise<void>): Promise<void> {
    const done = this.writes.then(write, write);
    this.writes = done.catch(() => {});
    return done;
  }

  private drop(): void {
    this.held = false;
    clearInterval(this.timer);
  }
}

function parseBody(bytes: Uint8Array): LeaseBody | undefined {
  try {
    const b = JSON.parse(new TextDecoder().decode(bytes)) as LeaseBody;
    return typeof b.owner === 'string' && typeof b.expiresAt === 'number' ? b : undefined;
  } catch {
    return undefined; // an unreadable lease body is taken as free (it cannot say who holds it)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
