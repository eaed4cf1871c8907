/**
 * The lock as its holder has it: the lease renewed by a timer, fenced at the commit point
 * (`assertHeld` throws LOCK_LOST once the lease lapsed or the lock was taken over), released by
 * renaming it aside, and every lock of the process released on SIGINT/SIGTERM. Separate from
 * lock.ts, which only takes the lock (waiting, taking over a dead holder's).
 */
import { readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isrError } from '../errors.js';
import { type Owner, RENEW_EVERY_MS, readOwnerSync, rmQuietly } from './lock-owner.js';

/** The site lock (or another named lease of the fs store) as its holder has it; lock.ts says how it works. */
export interface Lock {
  release(): Promise<void>;
  /** The same, synchronously: for a signal handler that exits right after (see run/interrupt.ts). */
  releaseSync(): void;
  /** True when a lock left by a dead process was taken over: that run may have left temp files. */
  recovered: boolean;
  /** This holder's random token (in the owner file): the lease's version. */
  readonly token: string;
  /** Epoch ms when the lease lapses unless renewed. */
  readonly expiresAt: number;
  /** Extend the lease now (the timer does it every RENEW_EVERY_MS); notes a lock found lost. */
  renew(): void;
  /** Throws LOCK_LOST unless this run still holds the lock with a lease not yet expired: called
   * at the commit point, right before anything is published. Renews the lease. */
  assertHeld(): void;
}

/**
 * The lock as its holder sees it: the lease renewed by a timer (unref'd: it never keeps a process
 * alive) until release, and checked at the commit point.
 */
export function held(dir: string, me: Owner, clock: () => number, recovered: boolean, leaseMs: number): Lock {
  const ownerFile = path.join(dir, 'owner.json');
  let expiresAt = me.expiresAt!;
  let lost = false;
  let released = false;
  const renew = () => {
    if (lost || released) return;
    if (readOwnerSync(ownerFile)?.token !== me.token) {
      lost = true;
      return;
    }
    const next = clock() + leaseMs;
    // Replaced whole by a rename, so a contender never reads half an owner file.
    const tmp = `${ownerFile}.${me.token}.renew`;
    try {
      writeFileSync(tmp, JSON.stringify({ ...me, expiresAt: next }));
      renameSync(tmp, ownerFile);
      expiresAt = next;
    } catch {
      // The lock folder moved (taken over) or the disk refuses: the next check tells.
      rmQuietly(tmp);
    }
  };
  const timer = setInterval(renew, Math.min(RENEW_EVERY_MS, leaseMs / 4));
  timer.unref();
  const stop = () => {
    released = true;
    clearInterval(timer);
    HELD.delete(lock);
  };
  const lock: Lock = {
    recovered,
    token: me.token,
    get expiresAt() {
      return expiresAt;
    },
    renew,
    assertHeld() {
      // An expired lease may already be judged stale by another host: too late to renew it.
      if (!lost && clock() <= expiresAt) renew();
      // A released lock is not held either (a store's lease is checked by whoever kept the object).
      if (lost || released || clock() > expiresAt) {
        throw isrError('LOCK_LOST', [], { file: path.relative(process.cwd(), dir) });
      }
    },
    releaseSync() {
      stop();
      release(dir, me.token);
    },
    async release() {
      lock.releaseSync();
    },
  };
  HELD.add(lock);
  return lock;
}

/** Locks this process holds: released by releaseHeldLocks on SIGINT/SIGTERM. */
const HELD = new Set<Lock>();

/** Release every lock this process holds, synchronously (a signal handler, before it exits). */
export function releaseHeldLocks(): void {
  for (const lock of [...HELD]) {
    try {
      lock.releaseSync();
    } catch {
      // best effort: a lock left behind is taken over once its pid is dead
    }
  }
}

function release(dir: string, token: string): void {
  let o: Owner | undefined;
  try {
    o = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return; // gone or unreadable: not ours to remove
  }
  if (o?.token !== token) return;
  // Renamed aside first: deleting in place would leave an empty `lock` dir for an instant, which a
  // contender's rename could replace, and a recursive delete could then remove its fresh lock.
  const aside = `${dir}.released-${token}`;
  renameSync(dir, aside);
  try {
    // The lock holds owner.json alone: two calls, where a recursive delete walks the folder
    // (a quarter of a millisecond, paid by every regeneration of `isr serve`).
    unlinkSync(path.join(aside, 'owner.json'));
    rmdirSync(aside);
  } catch {
    rmSync(aside, { recursive: true, force: true });
  }
}
