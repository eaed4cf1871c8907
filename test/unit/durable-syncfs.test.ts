import childProcess from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fsyncDurability } from '../../src/write/durable.js';

// A large flush is one syncfs (`sync -f`, a process) per file system the run writes to, not per
// anchor: the output folder, its parent and .isr/ are one file system on most sites, and each is a
// process to spawn where one does the same flush (issue 18 item 2).
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function folderWithFiles(parent: string): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(parent, 'isr-syncfs-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'out'));
  mkdirSync(path.join(dir, '.isr'));
  const files = Array.from({ length: 100 }, (_, i) => path.join(dir, 'out', `f${i}`));
  for (const f of files) writeFileSync(f, 'x');
  return { dir, files };
}

function countSyncs() {
  const spy = vi.spyOn(childProcess, 'execFile');
  return () => spy.mock.calls.filter((c) => c[0] === 'sync').map((c) => (c[1] as string[])[1]);
}

describe('fsyncDurability, a flush of many paths', () => {
  it('runs one syncfs for anchors on one file system', async () => {
    const { dir, files } = folderWithFiles(tmpdir());
    const synced = countSyncs();
    await fsyncDurability([path.join(dir, 'out'), dir, path.join(dir, '.isr')]).flush(files);
    expect(synced()).toEqual([path.join(dir, 'out')]);
  });

  it('runs one for each file system when the anchors are on two', async () => {
    const other = '/dev/shm';
    const a = folderWithFiles(tmpdir());
    let b: { dir: string; files: string[] };
    try {
      b = folderWithFiles(other);
    } catch {
      return; // no second file system here
    }
    if (statSync(a.dir).dev === statSync(b.dir).dev) return;
    const synced = countSyncs();
    await fsyncDurability([path.join(a.dir, 'out'), a.dir, path.join(b.dir, '.isr')]).flush([...a.files, ...b.files]);
    expect(synced()).toEqual([path.join(a.dir, 'out'), path.join(b.dir, '.isr')]);
  });
});
