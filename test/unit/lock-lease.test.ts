import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock, LEASE_MS, RENEW_EVERY_MS } from '../../src/manifest/lock.js';

// Issue 16 item 13: a lease lets a dead holder on another host lose the lock within a minute,
// and a live run that lost it (or stalled past its lease) publishes nothing. Time is a clock the
// test moves; the renewal timer runs on fake timers.
let stateDir: string;
let now: number;
const clock = () => now;
beforeEach(() => {
  stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'isr-lease-')), '.isr');
  now = Date.parse('2026-06-01T00:00:00Z');
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(path.dirname(stateDir), { recursive: true, force: true });
});

const ownerFile = () => path.join(stateDir, 'lock', 'owner.json');
const owner = () => JSON.parse(readFileSync(ownerFile(), 'utf8'));
function plant(o: Record<string, unknown>): void {
  mkdirSync(path.join(stateDir, 'lock'), { recursive: true });
  writeFileSync(ownerFile(), JSON.stringify(o));
}
const foreign = (extra: Record<string, unknown>) => ({
  pid: 4242,
  host: 'ci-runner-cancelled',
  token: 'theirs',
  startedAt: now - 3600_000,
  command: 'isr regen',
  ...extra,
});

describe('the lock lease', () => {
  it('takes over a lock of another host whose lease has expired, and reports a recovery', async () => {
    plant(foreign({ expiresAt: now - 1 }));
    const lock = await acquireLock(stateDir, { command: 'isr regen', clock });
    expect(lock.recovered).toBe(true);
    expect(owner()).toMatchObject({ pid: process.pid, host: hostname(), expiresAt: now + LEASE_MS });
    await lock.release();
  });

  it('respects a lock of another host while its lease runs, however old the run', async () => {
    plant(foreign({ expiresAt: now + 1 }));
    await expect(acquireLock(stateDir, { command: 'isr regen', clock })).rejects.toMatchObject({ code: 'LOCKED' });
  });

  it('keeps the 6-hour rule for a lock without a lease (an older isr)', async () => {
    plant(foreign({ startedAt: now - 3600_000 }));
    await expect(acquireLock(stateDir, { command: 'isr regen', clock })).rejects.toMatchObject({ code: 'LOCKED' });
  });

  it('is renewed every RENEW_EVERY_MS while the run lives, so it never expires under a live run', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const lock = await acquireLock(stateDir, { command: 'isr build', clock });
    for (let i = 1; i <= 8; i++) {
      now += RENEW_EVERY_MS;
      vi.advanceTimersByTime(RENEW_EVERY_MS);
      expect(owner().expiresAt).toBe(now + LEASE_MS);
    }
    // Two minutes on, another host still finds it live.
    await expect(acquireLock(stateDir, { command: 'other', clock })).rejects.toMatchObject({ code: 'LOCKED' });
    expect(() => lock.assertHeld()).not.toThrow();
    await lock.release();
  });

  it('aborts at the commit point when another run took the lock over meanwhile, and leaves that lock alone', async () => {
    const lock = await acquireLock(stateDir, { command: 'isr regen', clock });
    rmSync(path.join(stateDir, 'lock'), { recursive: true });
    plant(foreign({ expiresAt: now + LEASE_MS }));
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
    await lock.release();
    expect(owner().token).toBe('theirs');
  });

  it('aborts at the commit point when its own lease expired unrenewed (a stalled run may have been judged dead)', async () => {
    const lock = await acquireLock(stateDir, { command: 'isr regen', clock });
    now += LEASE_MS + 1;
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST', exitCode: 75 }));
    await lock.release();
  });

  it('renews the lease at the commit point while it is still valid', async () => {
    const lock = await acquireLock(stateDir, { command: 'isr regen', clock });
    now += LEASE_MS - 1;
    lock.assertHeld();
    expect(owner().expiresAt).toBe(now + LEASE_MS);
    await lock.release();
  });
});

describe('the lock lease after a wait', () => {
  it('starts when the lock is taken, not when the wait began', async () => {
    const first = await acquireLock(stateDir, { command: 'first', clock });
    const waiting = acquireLock(stateDir, { command: 'second', clock, waitSeconds: 30 });
    // The waiter has tried once; the clock moves past a whole lease before the holder lets go.
    await new Promise((r) => setImmediate(r));
    now += LEASE_MS + 5_000;
    await first.release();
    const second = await waiting;
    expect(owner().expiresAt).toBe(now + LEASE_MS);
    expect(() => second.assertHeld()).not.toThrow();
    await second.release();
  });
});
