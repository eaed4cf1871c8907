/**
 * One lock per site, next to the manifest: every run that reads and then writes the manifest
 * (build, regen, each regeneration of `serve`) holds it for that whole span, so runs are
 * serialised and no run can publish a render older than one already published.
 *
 * The lock is a directory holding `owner.json` with pid, host and a random token. It is prepared
 * complete under a private name and renamed into place (renaming a directory onto an existing,
 * non-empty one fails), so a lock dir is never seen without its owner: a contender can never
 * mistake a lock being created for an abandoned one. A lock whose process is gone on this host is
 * stale. It is taken over under a small mutex (`lock.takeover`, mkdir): the taker re-reads the
 * owner, and only when it is still the stale one it judged does it rename the lock aside. While
 * the mutex is held nobody else moves `lock`, and a new lock cannot replace a non-empty one, so a
 * live lock is never moved. Release also renames aside before deleting, so a lock is never
 * half-deleted.
 *
 * Taking a free lock and releasing it use synchronous calls: a handful of microsecond operations
 * that every run pays (each regeneration of `isr serve`, each webhook), where the promise API
 * would add a thread-pool round trip per call. Waiting and takeovers stay asynchronous.
 *
 * A lease, for holders on other hosts (a CI runner that was cancelled and whose `.isr/` was
 * cached): no pid can be checked there, so the owner file carries `expiresAt`, renewed every
 * RENEW_EVERY_MS while the run lives. A lock of another host whose lease has expired is stale;
 * one without a lease (written by an older isr) only after `foreignStaleMs`. A run must still
 * own an unexpired lease when it publishes (`assertHeld`): a run that stalled past its lease, or
 * found its lock taken, aborts with LOCK_LOST and publishes nothing, so two live runs never both
 * publish. Clocks of the hosts sharing a site are assumed to agree within LEASE_MS - RENEW_EVERY_MS.
 *
 * This file takes the lock (the wait loop, and taking over a dead holder's); the owner file and
 * how a holder is judged are lock-owner.ts, the held lock (lease renewal, the LOCK_LOST fence,
 * release) is lock-held.ts. What they export for other modules is exported here too, so callers
 * import the lock from this one file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isrError, writeFailed } from '../errors.js';
import { held, type Lock } from './lock-held.js';
import { isStale, LEASE_MS, type Owner, readOwner, rmQuietly } from './lock-owner.js';

export { type Lock, releaseHeldLocks } from './lock-held.js';
export { LEASE_MS, RENEW_EVERY_MS } from './lock-owner.js';

export interface LockOptions {
  /** Seconds to keep trying before giving up. 0: try once. */
  waitSeconds?: number;
  command: string;
  /** Locks on another host without a lease (an older isr's) older than this are considered
   * abandoned (CI runners die). */
  foreignStaleMs?: number;
  /** The time, in epoch ms (tests move it; default Date.now). */
  clock?: () => number;
  /** The lock folder's name in stateDir (default `lock`, the site's run lock); other names are
   * other leases of the store (store/fs-store.ts). */
  name?: string;
  /** How long a lease lasts unless renewed (default LEASE_MS). */
  leaseMs?: number;
}

export async function acquireLock(stateDir: string, options: LockOptions): Promise<Lock> {
  mkdirSync(stateDir, { recursive: true });
  const name = options.name ?? 'lock';
  const dir = path.join(stateDir, name);
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const clock = options.clock ?? Date.now;
  const stale = (o: Owner) => isStale(o, options.foreignStaleMs ?? 6 * 3600_000, clock());
  const started = clock();
  const me: Owner = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString('hex'),
    startedAt: started,
    command: options.command,
    expiresAt: started + leaseMs,
  };
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  let delay = 25;
  let recovered = false;
  for (;;) {
    // The lease starts when the lock is taken, not when the wait for it began (--wait).
    me.expiresAt = clock() + leaseMs;
    if (tryCreate(dir, me)) {
      // A takeover interrupted between its rename-aside and its own lock leaves `lock.stale-*`
      // and no lock: the run it took over may have left temp files, so report a recovery.
      if (await removeDebris(stateDir, name, stale)) recovered = true;
      return held(dir, me, clock, recovered, leaseMs);
    }
    const holder = await readOwner(dir);
    if (holder === 'gone') continue;
    const abandoned = holder === 'ownerless' ? (await ageMs(dir)) > OWNERLESS_STALE_MS : stale(holder);
    if (abandoned) {
      if (await takeOver(dir, holder)) recovered = true;
      else await new Promise((r) => setTimeout(r, 10)); // another contender is taking it over
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        holder === 'ownerless'
          ? `a lock folder without an owner file, taken over when older than ${OWNERLESS_STALE_MS / 1000} s`
          : `${holder.command}, pid ${holder.pid} on ${holder.host}, since ${new Date(holder.startedAt).toISOString()}`;
      throw isrError('LOCKED', [who], { file: path.relative(process.cwd(), dir) });
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 500);
  }
}

function tryCreate(dir: string, me: Owner): boolean {
  const fresh = `${dir}.new-${me.token}`;
  try {
    mkdirSync(fresh);
    writeFileSync(path.join(fresh, 'owner.json'), JSON.stringify(me));
  } catch (err) {
    rmQuietly(fresh);
    throw writeFailed('the lock', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), dir));
  }
  try {
    renameSync(fresh, dir);
    return true;
  } catch (err) {
    rmQuietly(fresh);
    const code = (err as NodeJS.ErrnoException).code;
    // Held by someone (ENOTEMPTY or EEXIST, by platform), or our prepared dir was swept as debris.
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return false;
    throw writeFailed('the lock', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), dir));
  }
}

/**
 * Remove what interrupted lock operations leave beside the lock: `lock.stale-*` / `lock.released-*`
 * (renamed aside, not yet deleted) and `lock.new-*` prepared by a process that died before renaming
 * it into place (its owner is dead, or it is older than a minute). Called while
 * holding the lock. True when an interrupted takeover was found.
 */
async function removeDebris(stateDir: string, lockName: string, stale: (o: Owner) => boolean): Promise<boolean> {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((n) => n.startsWith(`${lockName}.`));
  } catch {
    return false;
  }
  let takeover = false;
  for (const name of names) {
    const full = path.join(stateDir, name);
    if (name === `${lockName}.takeover` && (await ageMs(full)) > TAKEOVER_STALE_MS)
      await rm(full, { recursive: true, force: true }).catch(() => {});
    const m = /^\.(stale|released|new)-/.exec(name.slice(lockName.length));
    if (!m) continue;
    if (m[1] === 'new') {
      // Prepared by a process that died before renaming it into place: its owner says so. Without
      // a readable owner (died before writing it), only age tells.
      const o = await readOwner(full);
      const dead = typeof o === 'object' && stale(o);
      if (!dead && (await ageMs(full)) < 60_000) continue;
    }
    if (m[1] === 'stale') takeover = true;
    await rm(full, { recursive: true, force: true }).catch(() => {});
  }
  return takeover;
}

/** An ownerless lock folder older than this is debris (a live lock always has its owner). */
const OWNERLESS_STALE_MS = 10_000;

/** A takeover mutex older than this was left by a taker that died. */
const TAKEOVER_STALE_MS = 30_000;

async function ageMs(p: string): Promise<number> {
  const st = await stat(p).catch(() => undefined);
  return st ? Date.now() - st.mtimeMs : 0;
}

async function takeOver(dir: string, judged: Owner | 'ownerless'): Promise<boolean> {
  const mutex = `${dir}.takeover`;
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw writeFailed('the lock', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), dir));
    if ((await ageMs(mutex)) > TAKEOVER_STALE_MS) await rm(mutex, { recursive: true, force: true }).catch(() => {});
    return false;
  }
  try {
    // Under the mutex: is `lock` still exactly what was judged abandoned?
    const now = await readOwner(dir);
    if (judged === 'ownerless') {
      if (now !== 'ownerless' || (await ageMs(dir)) <= OWNERLESS_STALE_MS) return false;
      // Empty: rmdir (fails if an owner file appeared). Not empty (an older isr's temp owner
      // file): a new lock cannot be renamed onto it, so moving it aside moves only the debris.
      const empty = await rmdir(dir).then(
        () => true,
        () => false,
      );
      if (!empty) {
        if ((await readOwner(dir)) !== 'ownerless') return false;
        await moveAsideAndDelete(dir);
      }
      return true;
    }
    // The same token with a renewed lease is a live holder after all: leave it.
    if (typeof now !== 'object' || now.token !== judged.token || now.expiresAt !== judged.expiresAt) return false;
    // Moved aside, not deleted: `lock.stale-*` is what tells a run that a dead run's temp files
    // may be lying about. Deleted here, a crash before this run's own lock is in place left no
    // sign, and the next run took the lock without sweeping them (seen in the crash test). It is
    // deleted by removeDebris once a lock is in place, which reports the recovery to that run.
    await rename(dir, `${dir}.stale-${randomBytes(6).toString('hex')}`);
    return true;
  } finally {
    await rm(mutex, { recursive: true, force: true }).catch(() => {});
  }
}

/** Rename aside (one atomic step), then delete at leisure; a crash in between leaves `lock.stale-*`. */
async function moveAsideAndDelete(dir: string): Promise<void> {
  const aside = `${dir}.stale-${randomBytes(6).toString('hex')}`;
  await rename(dir, aside);
  await rm(aside, { recursive: true, force: true });
}
