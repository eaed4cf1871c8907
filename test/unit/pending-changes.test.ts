import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeChanges, pendingDir, readPending } from '../../src/deliver/pending-changes.js';

describe('pending change sets', () => {
  it('merge in order: the last thing done to a file wins, sorted, no duplicates', () => {
    expect(
      mergeChanges([
        { written: ['b.html', 'a.html'], removed: ['gone.html'] },
        { written: ['gone.html', 'a.html'], removed: ['b.html'] },
        { written: ['c.html'], removed: [] },
      ]),
    ).toEqual({ written: ['a.html', 'c.html', 'gone.html'], removed: ['b.html'] });
  });

  let dir: string;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('skips, with a warning naming it, a file that is not a set or names a file outside the output folder', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'isr-pending-'));
    mkdirSync(pendingDir(dir));
    writeFileSync(path.join(pendingDir(dir), '1-good.json'), JSON.stringify({ at: 1, written: ['a.html'], removed: [] }));
    writeFileSync(path.join(pendingDir(dir), '2-bad.json'), '{');
    writeFileSync(path.join(pendingDir(dir), '3-escape.json'), JSON.stringify({ at: 3, written: ['../etc/passwd'], removed: [] }));
    const warnings: string[] = [];
    const logger = { info() {}, warn: (m: string) => warnings.push(m), error() {}, debug() {}, progress() {}, done() {} };
    expect(readPending(dir, logger).map((s) => s.written)).toEqual([['a.html']]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/2-bad\.json: not a change set; ignored/);
  });
});
