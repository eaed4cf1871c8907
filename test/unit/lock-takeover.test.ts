import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// renameSync is what puts a prepared lock in place (lock.ts tryCreate). Failing it right after a
// takeover stands for a run that dies at that instant, without killing the test process.
const fail = vi.hoisted(() => ({ nextLockRename: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      // Only once the dead lock is gone (moved aside): the rename that would put ours in place.
      if (fail.nextLockRename && path.basename(to) === 'lock' && !fs.existsSync(to)) {
        fail.nextLockRename = false;
        throw Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' });
      }
      return fs.renameSync(from, to);
    },
  };
});
const { acquireLock } = await import('../../src/manifest/lock.js');

let stateDir: string;
beforeEach(() => {
  stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'isr-lock-takeover-')), '.isr');
});
afterEach(() => rmSync(path.dirname(stateDir), { recursive: true, force: true }));

describe('a lock takeover cut short', () => {
  it('leaves a sign, so the next run still reports the recovery (and sweeps the dead run)', async () => {
    // A lock left by a run that died (its temp files may be lying about).
    mkdirSync(path.join(stateDir, 'lock'), { recursive: true });
    const dead = spawnSync('true').pid!;
    writeFileSync(
      path.join(stateDir, 'lock', 'owner.json'),
      JSON.stringify({ pid: dead, host: hostname(), token: 'old', startedAt: Date.now(), command: 'isr build' }),
    );

    // The next run takes it over, then "dies" before its own lock is in place.
    fail.nextLockRename = true;
    await expect(acquireLock(stateDir, { command: 'isr regen' })).rejects.toThrow(/simulated crash/);
    const left = readdirSync(stateDir);
    expect(left).not.toContain('lock');
    expect(left.some((n) => n.startsWith('lock.stale-'))).toBe(true);

    // The run after it must still learn that a dead run's files may need sweeping.
    const lock = await acquireLock(stateDir, { command: 'isr regen' });
    expect(lock.recovered).toBe(true);
    expect(readdirSync(stateDir).filter((n) => n !== 'lock')).toEqual([]);
    await lock.release();
  });
});
