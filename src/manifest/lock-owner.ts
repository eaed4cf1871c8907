/**
 * The lease format: the lock folder's owner file (`owner.json`: pid, host, token, lease expiry),
 * read back, and how a holder is judged from it (alive by its pid on this host, by its lease on
 * another). Separate from lock.ts (taking the lock) and lock-held.ts (holding it), which both
 * write and read this file.
 */
import { readFileSync, rmSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export interface Owner {
  pid: number;
  host: string;
  token: string;
  startedAt: number;
  command: string;
  /** Epoch ms after which a holder on another host counts as gone (absent: an older isr's lock). */
  expiresAt?: number;
}

/** How long a lease lasts, and how often a live run renews it. */
export const LEASE_MS = 60_000;
export const RENEW_EVERY_MS = 15_000;

/**
 * The holder; `gone` when there is no lock; `ownerless` when the folder has no readable owner file.
 * A lock is created with its owner inside, so an ownerless folder is either left by hand or by an
 * older isr, or the lock changed hands between two reads (judged by age, never at once).
 */
export async function readOwner(dir: string): Promise<Owner | 'gone' | 'ownerless'> {
  try {
    const o = JSON.parse(await readFile(path.join(dir, 'owner.json'), 'utf8')) as Owner;
    return o && typeof o === 'object' && typeof o.token === 'string' ? o : 'ownerless';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(dir))) return 'gone';
    return 'ownerless';
  }
}

export function readOwnerSync(file: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export function isStale(o: Owner, foreignStaleMs: number, now: number): boolean {
  if (o.host !== hostname()) return typeof o.expiresAt === 'number' ? now > o.expiresAt : now - o.startedAt > foreignStaleMs;
  try {
    process.kill(o.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else: alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function rmQuietly(p: string): void {
  try {
    rmSync(p, { recursive: true, force: true });
  } catch {
    // best effort: debris is swept by the next lock holder
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
