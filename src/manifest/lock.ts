import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { IsrError } from '../errors.js';

/**
 * One lock per site, next to the manifest: every run that reads and then writes the manifest
 * (build, regen, each regeneration of `serve`) holds it for that whole span, so runs are
 * serialised and no run can publish a render older than one already published.
 *
 * The lock is a directory (mkdir is atomic on every file system) holding `owner.json` with pid,
 * host and a random token. A lock whose process is gone on this host is stale and taken over by
 * renaming it aside first: only one contender can win that rename, and the winner checks that
 * what it moved is the stale lock it judged (not a fresh one that replaced it meanwhile).
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
  await mkdir(stateDir, { recursive: true });
  const dir = path.join(stateDir, 'lock');
  const me: Owner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex'), startedAt: Date.now(), command: options.command };
  const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
  let delay = 25;
  let recovered = false;
  for (;;) {
    if (await tryCreate(dir, me)) return { release: () => release(dir, me.token), recovered };
    const holder = await readOwner(dir);
    if (holder === 'gone') continue;
    if (holder === undefined || isStale(holder, options.foreignStaleMs ?? 6 * 3600_000)) {
      if (await takeOver(dir, holder)) recovered = true;
      continue;
    }
    if (Date.now() >= deadline) {
      throw new IsrError('LOCKED', `another isr run holds the lock (${holder.command}, pid ${holder.pid} on ${holder.host}, since ${new Date(holder.startedAt).toISOString()})`, {
        file: path.relative(process.cwd(), dir),
        hint: 'wait for it to finish, or pass --wait SECONDS',
      });
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 500);
  }
}

async function tryCreate(dir: string, me: Owner): Promise<boolean> {
  try {
    await mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  // The owner file is written via rename so readers never see it half-written.
  const tmp = path.join(dir, `.owner.${me.token}`);
  await writeFile(tmp, JSON.stringify(me));
  await rename(tmp, path.join(dir, 'owner.json'));
  return true;
}

/** The holder, `undefined` when the lock dir exists without a readable owner, `gone` when released. */
async function readOwner(dir: string): Promise<Owner | undefined | 'gone'> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'owner.json'), 'utf8')) as Owner;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // Either released (dir gone) or just created and the owner not written yet.
      if (!(await exists(dir))) return 'gone';
      await new Promise((r) => setTimeout(r, 20));
      try {
        return JSON.parse(await readFile(path.join(dir, 'owner.json'), 'utf8')) as Owner;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
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

async function takeOver(dir: string, judged: Owner | undefined): Promise<boolean> {
  const aside = `${dir}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(dir, aside);
  } catch {
    return false; // someone else moved or released it; try again from the top
  }
  const moved = await readOwner(aside);
  const same = judged === undefined ? moved === undefined : typeof moved === 'object' && moved?.token === judged.token;
  if (!same) {
    // We moved a fresh lock that replaced the stale one: put it back if the slot is still free.
    await rename(aside, dir).catch(() => {});
    return false;
  }
  await rm(aside, { recursive: true, force: true });
  return true;
}

async function release(dir: string, token: string): Promise<void> {
  const o = await readOwner(dir);
  if (typeof o === 'object' && o?.token === token) await rm(dir, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
