import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshStageDir, Stage } from '../../src/write/stage.js';

describe('Stage: a first build staged as one folder', () => {
  let root: string;
  let out: string;
  let state: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'isr-stage-'));
    out = path.join(root, 'dist');
    state = path.join(root, '.isr');
    await mkdir(state);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('stages into a temp folder in the state folder when the output folder is absent or empty', async () => {
    const absent = freshStageDir(out, state);
    expect(absent).toBeDefined();
    expect(path.dirname(absent!)).toBe(state);
    expect(path.basename(absent!)).toMatch(/^\.dist\.\d+\.[0-9a-f]+\w*\.isr-tmp$/);
    await mkdir(out);
    expect(freshStageDir(out, state)).toBeDefined();
  });

  it('does not stage whole an output folder with files, a symlinked one, or a file in its place', async () => {
    await mkdir(out);
    await writeFile(path.join(out, 'keep.txt'), 'mine');
    expect(freshStageDir(out, state)).toBeUndefined();
    await rm(out, { recursive: true });
    await mkdir(path.join(root, 'elsewhere'));
    await symlink(path.join(root, 'elsewhere'), out);
    expect(freshStageDir(out, state)).toBeUndefined();
    await rm(out);
    await writeFile(out, 'a file');
    expect(freshStageDir(out, state)).toBeUndefined();
    // Nothing made for a refusal.
    expect(await readdir(state)).toEqual([]);
  });

  it('publishes nothing until commit, then the whole folder at once (over an empty one too)', async () => {
    await mkdir(out);
    const dir = freshStageDir(out, state)!;
    const stage = new Stage(out, dir);
    await stage.stage('index.html', 'home');
    await stage.stage('blog/x/index.html', 'x v1');
    await stage.stage('blog/x/index.html', 'x v2'); // staged again: the last bytes win
    expect(await readdir(out)).toEqual([]);
    expect(stage.size).toBe(2);
    expect((await stage.commit()).sort()).toEqual(['blog/x/index.html', 'index.html']);
    expect(await readFile(path.join(out, 'blog/x/index.html'), 'utf8')).toBe('x v2');
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe('home');
    expect(existsSync(dir)).toBe(false);
    expect(await readdir(state)).toEqual([]);
  });

  it('leaves no output folder and no temp folder on abort', async () => {
    const dir = freshStageDir(out, state)!;
    const stage = new Stage(out, dir);
    await stage.stage('index.html', 'home');
    await stage.abort();
    expect(existsSync(out)).toBe(false);
    expect(await readdir(state)).toEqual([]);
  });

  it('refuses to commit over an output folder that got files meanwhile, and keeps them', async () => {
    const dir = freshStageDir(out, state)!;
    const stage = new Stage(out, dir);
    await stage.stage('index.html', 'home');
    await mkdir(out);
    await writeFile(path.join(out, 'other.txt'), 'written by someone else');
    await expect(stage.commit()).rejects.toThrow(/cannot write/);
    await stage.abort();
    expect(await readdir(out)).toEqual(['other.txt']);
    expect(await readdir(state)).toEqual([]);
  });

  it('still refuses a path that leaves the output folder', async () => {
    const stage = new Stage(out, freshStageDir(out, state)!);
    await expect(stage.stage('../escape.html', 'x')).rejects.toThrow(/escapes outDir/);
  });
});
