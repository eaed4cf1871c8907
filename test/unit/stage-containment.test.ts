import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshStageDir, Stage } from '../../src/write/stage.js';

// No write may leave outDir. A sibling folder whose name begins with outDir's (`dist2/` next to
// `dist/`) passes a bare prefix test on the path; it must be refused like any other escape.
describe('Stage: writes stay inside the output folder', () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'isr-stage-contain-'));
    out = path.join(root, 'dist');
    await mkdir(out);
    await mkdir(path.join(root, 'dist2'));
    await mkdir(path.join(root, '.isr'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it.each(['../dist2/index.html', '../dist2', '../dist-old/x.html', '../distx'])(
    'refuses %s, a sibling sharing the prefix, and writes nothing',
    async (rel) => {
      const stage = new Stage(out);
      await expect(stage.stage(rel, 'escaped')).rejects.toThrow(/escapes outDir/);
      expect(() => stage.resolve(rel)).toThrow(/escapes outDir/);
      expect(stage.size).toBe(0);
      expect(await readdir(path.join(root, 'dist2'))).toEqual([]);
      expect(existsSync(path.join(root, 'dist-old'))).toBe(false);
      expect(existsSync(path.join(root, 'distx'))).toBe(false);
    },
  );

  it('refuses it in a first build staged as one folder too', async () => {
    await rm(out, { recursive: true });
    const stage = new Stage(out, freshStageDir(out, path.join(root, '.isr'))!);
    await expect(stage.stage('../dist2/index.html', 'escaped')).rejects.toThrow(/escapes outDir/);
    await stage.abort();
    expect(await readdir(path.join(root, 'dist2'))).toEqual([]);
  });

  it('refuses the output folder itself as a file', async () => {
    expect(() => new Stage(out).resolve('.')).toThrow(/escapes outDir/);
    expect(() => new Stage(out).resolve('')).toThrow(/escapes outDir/);
  });
});
