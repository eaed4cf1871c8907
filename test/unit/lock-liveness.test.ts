import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock } from '../../src/manifest/lock.js';

// Whether the holder of a lock on this host is alive is asked with kill(pid, 0). For a process of
// another user the answer is EPERM: it exists, so its lock must be respected. These tests run as
// any user (root gets no EPERM), so the answer for one pid is simulated.

let stateDir: string;
/** A pid with no process behind it; kill(pid, 0) is told to answer `answer` for it. */
let pid: number;
let answer: 'EPERM' | 'ESRCH';
beforeEach(() => {
  stateDir = path.join(mkdtempSync(path.join(tmpdir(), 'isr-lock-liveness-')), '.isr');
  mkdirSync(stateDir, { recursive: true });
  pid = spawnSync('true').pid!;
  const kill = process.kill.bind(process);
  vi.spyOn(process, 'kill').mockImplementation((target: number, signal?: string | number) => {
    if (target !== pid) return kill(target, signal);
    throw Object.assign(new Error(`kill ${answer}`), { code: answer, syscall: 'kill' });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(path.dirname(stateDir), { recursive: true, force: true });
});

/** The holder, as it wrote its owner file a moment ago. */
let holder: () => Record<string, unknown>;
beforeEach(() => {
  const startedAt = Date.now();
  holder = () => ({ pid, host: hostname(), token: 'theirs', startedAt, command: 'isr regen' });
});
const owner = (dir = 'lock') => JSON.parse(readFileSync(path.join(stateDir, dir, 'owner.json'), 'utf8'));

function plant(dir: string): void {
  mkdirSync(path.join(stateDir, dir));
  writeFileSync(path.join(stateDir, dir, 'owner.json'), JSON.stringify(holder()));
}

describe('the liveness of a lock holder on this host', () => {
  it('respects the lock of a process of another user (kill answers EPERM): LOCKED, lock untouched', async () => {
    answer = 'EPERM';
    plant('lock');
    await expect(acquireLock(stateDir, { command: 'isr build' })).rejects.toMatchObject({ code: 'LOCKED' });
    expect(owner()).toEqual(holder());
    expect(process.kill).toHaveBeenCalledWith(pid, 0);
  });

  it('takes over the lock of a process that is gone (kill answers ESRCH)', async () => {
    answer = 'ESRCH';
    plant('lock');
    const lock = await acquireLock(stateDir, { command: 'isr build' });
    expect(lock.recovered).toBe(true);
    expect(owner()).toMatchObject({ pid: process.pid, command: 'isr build' });
    await lock.release();
  });

  it('leaves a lock being prepared by a process of another user alone while sweeping debris', async () => {
    // `lock.new-*`: a lock prepared under a private name, about to be renamed into place.
    answer = 'EPERM';
    plant('lock.new-theirs');
    const lock = await acquireLock(stateDir, { command: 'isr build' });
    expect(existsSync(path.join(stateDir, 'lock.new-theirs'))).toBe(true);
    await lock.release();
    answer = 'ESRCH';
    await (await acquireLock(stateDir, { command: 'isr build' })).release();
    expect(existsSync(path.join(stateDir, 'lock.new-theirs'))).toBe(false);
  });
});
