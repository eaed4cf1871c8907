import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { acquireLock } from '../../src/manifest/lock.js';

let stateDir: string;
beforeEach(() => {
  stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'isr-lock-')), '.isr');
});
afterEach(() => rmSync(path.dirname(stateDir), { recursive: true, force: true }));

const owner = () => JSON.parse(readFileSync(path.join(stateDir, 'lock', 'owner.json'), 'utf8'));

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}

function plantLock(o: Record<string, unknown> | undefined): void {
  mkdirSync(path.join(stateDir, 'lock'), { recursive: true });
  if (o) writeFileSync(path.join(stateDir, 'lock', 'owner.json'), JSON.stringify(o));
}

describe('the site lock', () => {
  it('is held by one run: a second acquire fails with LOCKED naming the holder', async () => {
    const first = await acquireLock(stateDir, { command: 'isr build' });
    expect(first.recovered).toBe(false);
    expect(owner()).toMatchObject({ pid: process.pid, host: hostname(), command: 'isr build' });
    const err = await acquireLock(stateDir, { command: 'isr regen' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsrError);
    expect((err as IsrError).code).toBe('LOCKED');
    expect((err as IsrError).exitCode).toBe(75);
    expect((err as IsrError).message).toMatch(
      new RegExp(`^another isr run holds the lock \\(isr build, pid ${process.pid} on ${hostname()}, since \\d{4}-`),
    );
    expect((err as IsrError).hint).toBe('wait for it to finish, or pass --wait SECONDS');
    await first.release();
    expect(existsSync(path.join(stateDir, 'lock'))).toBe(false);
  });

  it('can be taken again once released', async () => {
    await (await acquireLock(stateDir, { command: 'a' })).release();
    const second = await acquireLock(stateDir, { command: 'b' });
    expect(owner().command).toBe('b');
    await second.release();
  });

  it('waits for the holder with waitSeconds and gets the lock when it is released', async () => {
    const first = await acquireLock(stateDir, { command: 'first' });
    const waiting = acquireLock(stateDir, { command: 'second', waitSeconds: 30 });
    let got = false;
    void waiting.then(() => (got = true));
    // Let the waiter try (and fail) at least once before the holder releases.
    for (let i = 0; i < 20 && !got; i++) await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    await first.release();
    const second = await waiting;
    expect(second.recovered).toBe(false);
    expect(owner().command).toBe('second');
    await second.release();
  });

  it('gives up with LOCKED after waitSeconds when the holder keeps it', async () => {
    const first = await acquireLock(stateDir, { command: 'first' });
    const started = performance.now();
    await expect(acquireLock(stateDir, { command: 'second', waitSeconds: 0.15 })).rejects.toMatchObject({ code: 'LOCKED' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await first.release();
  });

  it('takes over a stale lock left by a dead process on this host and says so', async () => {
    plantLock({ pid: deadPid(), host: hostname(), token: 'old', startedAt: Date.now(), command: 'isr regen' });
    const lock = await acquireLock(stateDir, { command: 'isr build' });
    expect(lock.recovered).toBe(true);
    expect(owner()).toMatchObject({ pid: process.pid, command: 'isr build' });
    // Nothing left aside.
    expect(readdirSync(stateDir)).toEqual(['lock']);
    await lock.release();
  });

  it('is not stuck on a lock folder without an owner file (a run that died creating it)', async () => {
    plantLock(undefined);
    const lock = await acquireLock(stateDir, { command: 'isr build' });
    expect(owner()).toMatchObject({ pid: process.pid, command: 'isr build' });
    await lock.release();
  });

  it('respects a lock of another host until it is older than foreignStaleMs', async () => {
    plantLock({ pid: 1, host: 'ci-runner-elsewhere', token: 't', startedAt: Date.now() - 60_000, command: 'isr regen' });
    await expect(acquireLock(stateDir, { command: 'x', foreignStaleMs: 3600_000 })).rejects.toMatchObject({ code: 'LOCKED' });
    const lock = await acquireLock(stateDir, { command: 'x', foreignStaleMs: 30_000 });
    expect(lock.recovered).toBe(true);
    await lock.release();
  });

  it('does not treat a live process of this host as stale', async () => {
    plantLock({ pid: process.pid, host: hostname(), token: 't', startedAt: 0, command: 'isr serve' });
    await expect(acquireLock(stateDir, { command: 'x' })).rejects.toMatchObject({ code: 'LOCKED' });
  });

  it('never releases a lock it no longer owns', async () => {
    const mine = await acquireLock(stateDir, { command: 'mine' });
    // Someone judged it stale and replaced it (simulated): our release must leave theirs alone.
    rmSync(path.join(stateDir, 'lock'), { recursive: true });
    plantLock({ pid: process.pid, host: hostname(), token: 'theirs', startedAt: Date.now(), command: 'theirs' });
    await mine.release();
    expect(owner().token).toBe('theirs');
  });
});
