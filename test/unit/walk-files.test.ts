import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { walkFiles } from '../../src/walk-files.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const rel = (files: string[]) => files.map((f) => path.relative(root!, f)).sort();

describe('walkFiles', () => {
  it('gives every regular file, skipping dot entries, following links, walking a looped folder once', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'isr-walk-'));
    const w = (p: string, text = 'x') => {
      mkdirSync(path.dirname(path.join(root!, p)), { recursive: true });
      writeFileSync(path.join(root!, p), text);
    };
    w('site/a.eta');
    w('site/sub/b.eta');
    w('site/.hidden');
    w('site/.git/config');
    w('outside/shared.eta');
    symlinkSync(path.join(root, 'outside'), path.join(root, 'site', 'linked'));
    symlinkSync(path.join(root, 'outside', 'shared.eta'), path.join(root, 'site', 'file-link.eta'));
    symlinkSync(path.join(root, 'site'), path.join(root, 'site', 'sub', 'loop'));
    execFileSync('mkfifo', [path.join(root, 'site', 'pipe.eta')]);
    expect(rel(walkFiles(path.join(root, 'site')))).toEqual([
      'site/a.eta',
      'site/file-link.eta',
      'site/linked/shared.eta',
      'site/sub/b.eta',
    ]);
  });

  it('throws on a broken link and on a missing folder', () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'isr-walk-'));
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'gone'));
    expect(() => walkFiles(root!)).toThrow(/ENOENT/);
    expect(() => walkFiles(path.join(root!, 'missing'))).toThrow(/ENOENT/);
  });
});
