import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { IsrError, writeFailed } from '../errors.js';

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
 */
export interface Lock {
  release(): Promise<void>;
  /** True when a lock left by a dead process was taken over: that run may have left temp files. */
  recovered: boolean;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
  startedAt: number;
  command: string;
}

export interface LockOptions {
  /** Seconds to keep trying before giving up. 0: try once. */
  waitSeconds?: number;
  command: string;
  /** Locks on another host older than this are considered abandoned (CI runners die). */
  foreignStaleMs?: number;
}

export async function acquireLock(stateDir: string, options: LockOptions): Promise<Lock> {
  mkdirSync(stateDir, { recursive: true });
  const dir = path.join(stateDir, 'lock');
  const me: Owner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), startedAt: Date.now(), command: options.command };
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  let delay = 25;
  let recovered = false;
  for (;;) {
    if (tryCreate(dir, me)) {
      // A takeover interrupted between its rename-aside and its own lock leaves `lock.stale-*`
      // and no lock: the run it took over may have left temp files, so report a recovery.
      if (await removeDebris(stateDir, options.foreignStaleMs ?? 6 * 3600_000)) recovered = true;
      return { release: () => release(dir, me.token), recovered };
    }
    const holder = await readOwner(dir);
    if (holder === 'gone') continue;
    const abandoned = holder === 'ownerless' ? (await ageMs(dir)) > OWNERLESS_STALE_MS : isStale(holder, options.foreignStaleMs ?? 6 * 3600_000);
    if (abandoned) {
      if (await takeOver(stateDir, dir, holder)) recovered = true;
      else await new Promise((r) => setTimeout(r, 10)); // another contender is taking it over
      continue;
    }
    if (Date.now() >= deadline) {
      const who =
        holder === 'ownerless'
          ? `a lock folder without an owner file, taken over when older than ${OWNERLESS_STALE_MS / 1000} s`
          : `${holder.command}, pid ${holder.pid} on ${holder.host}, since ${new Date(holder.startedAt).toISOString()}`;
      throw new IsrError('LOCKED', `another isr run holds the lock (${who})`, {
        file: path.relative(process.cwd(), dir),
        hint: 'wait for it to finish, or pass --wait SECONDS',
      });
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

function rmQuietly(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    // best effort: debris is swept by the next lock holder
  }
}

/**
 * Remove what interrupted lock operations leave beside the lock: `lock.stale-*` / `lock.released-*`
 * (renamed aside, not yet deleted) and `lock.new-*` prepared by a process that died before renaming
 * it into place (its owner is dead, or it is older than a minute). Called while
 * holding the lock. True when an interrupted takeover was found.
 */
async function removeDebris(stateDir: string, foreignStaleMs: number): Promise<boolean> {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((n) => n.startsWith('lock.'));
  } catch {
    return false;
  }
  let takeover = false;
  for (const name of names) {
    const full = path.join(stateDir, name);
    if (name === 'lock.takeover' && (await ageMs(full)) > TAKEOVER_STALE_MS) await rm(full, { recursive: true, force: true }).catch(() => {});
    const m = /^lock\.(stale|released|new)-/.exec(name);
    if (!m) continue;
    if (m[1] === 'new') {
      // Prepared by a process that died before renaming it into place: its owner says so. Without
      // a readable owner (died before writing it), only age tells.
      const o = await readOwner(full);
      const dead = typeof o === 'object' && isStale(o, foreignStaleMs);
      if (!dead && (await ageMs(full)) < 60_000) continue;
    }
    if (m[1] === 'stale') takeover = true;
    await rm(full, { recursive: true, force: true }).catch(() => {});
  }
  return takeover;
}

/**
 * The holder; `gone` when there is no lock; `ownerless` when the folder has no readable owner file.
 * A lock is created with its owner inside, so an ownerless folder is either left by hand or by an
 * older isr, or the lock changed hands between two reads (judged by age, never at once).
 */
async function readOwner(dir: string): Promise<Owner | 'gone' | 'ownerless'> {
  try {
    const o = JSON.parse(await readFile(path.join(dir, 'owner.json'), 'utf8')) as Owner;
    return o && typeof o === 'object' && typeof o.token === 'string' ? o : 'ownerless';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(dir))) return 'gone';
    return 'ownerless';
  }
}

/** An ownerless lock folder older than this is debris (a live lock always has its owner). */
const OWNERLESS_STALE_MS = 10_000;
/** A takeover mutex older than this was left by a taker that died. */
const TAKEOVER_STALE_MS = 30_000;

async function ageMs(p: string): Promise<number> {
  const st = await stat(p).catch(() => undefined);
  return st ? Date.now() - st.mtimeMs : 0;
}

function isStale(o: Owner, foreignStaleMs: number): boolean {
  if (o.host !== hostname()) return Date.now() - o.startedAt > foreignStaleMs;
  try {
    process.kill(o.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else: alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function takeOver(stateDir: string, dir: string, judged: Owner | 'ownerless'): Promise<boolean> {
  const mutex = path.join(stateDir, 'lock.takeover');
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailed('the lock', err, 'check the folder of the manifest is writable', path.relative(process.cwd(), dir));
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
    if (typeof now !== 'object' || now.token !== judged.token) return false;
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

async function release(dir: string, token: string): Promise<void> {
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

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
