import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// `isr` keeps V8's compiled code for dist/isr.cjs between runs (src/startup/). On Node 20 that is
// isr's own cache file, which these tests look at; Node >= 22.1 keeps its own (built-in) cache.
const T0 = '2026-06-01T00:00:00Z';
const builtIn = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const CACHE_FILE = /^isr-[0-9a-f]{16}\.v8$/;

describe.skipIf(builtIn)('the compile cache of the CLI (Node 20)', () => {
  let site: TempSite;
  let work: string;
  let dir: string;
  beforeAll(async () => {
    site = await tempSite('blog');
    work = await mkdtemp(path.join(tmpdir(), 'isr-cc-'));
    expect((await site.run(['build'], { now: T0, env: { NODE_DISABLE_COMPILE_CACHE: '1' } })).code).toBe(0);
  });
  afterAll(async () => {
    await site.cleanup();
    await rm(work, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(work, 'cache-'));
  });

  /** `isr regen` with nothing due, the cache in `folder` (NODE_COMPILE_CACHE, as documented). */
  const regen = (folder = dir, env: Record<string, string> = {}, args: string[] = []) =>
    site.run(['regen', ...args], { now: T0, env: { NODE_COMPILE_CACHE: folder, ...env } });
  const cacheFiles = async (folder = dir) => (await readdir(folder)).filter((n) => CACHE_FILE.test(n));

  it('writes the cache on the first run and reads it, unchanged, on the next', async () => {
    const first = await regen();
    expect(first.code).toBe(0);
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    const file = path.join(dir, files[0]!);
    const before = await stat(file);
    expect(before.mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const second = await regen();
    expect(second).toEqual(first);
    const after = await stat(file);
    // Not rewritten: a cache V8 refused would have been replaced (a new file renamed over it).
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await cacheFiles()).toEqual(files);
  });

  it('replaces a corrupted cache file, and the run prints what it prints without one', async () => {
    const clean = await regen();
    const file = path.join(dir, (await cacheFiles())[0]!);
    const good = await readFile(file);
    // Bytes flipped in the code, header intact: V8 alone would crash on them (it checks no checksum).
    const bad = Buffer.from(good);
    for (let i = bad.length >> 2; i < bad.length; i += 997) bad[i]! ^= 0xff;
    await writeFile(file, bad);
    expect(await regen()).toEqual(clean);
    const rewritten = await readFile(file);
    expect(rewritten.equals(bad)).toBe(false);
    expect(rewritten.subarray(0, 19).toString()).toBe('isr-compile-cache 1');

    await writeFile(file, good.subarray(0, good.length >> 1)); // truncated
    expect(await regen()).toEqual(clean);
    await writeFile(file, 'not a cache at all\n');
    expect(await regen()).toEqual(clean);
    expect((await readFile(file)).length).toBeGreaterThan(good.length >> 1);
  });

  it('runs as usual, silently, when the cache folder cannot be made or is not private', async () => {
    const clean = await regen(path.join(work, 'none'), { NODE_DISABLE_COMPILE_CACHE: '1' });
    await writeFile(path.join(work, 'a-file'), '');
    expect(await regen(path.join(work, 'a-file', 'cache'))).toEqual(clean);

    // Writable by others: someone else could put code there for V8 to run. Not used.
    const shared = path.join(work, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    expect(await regen(shared)).toEqual(clean);
    expect(await readdir(shared)).toEqual([]);
  });

  it('is written whole when runs start at once with no cache', async () => {
    // --wait: they start (and read or write the cache) at once, then take the site's lock in turn.
    const runs = await Promise.all(Array.from({ length: 6 }, () => regen(dir, {}, ['--wait', '60'])));
    for (const r of runs) expect(r).toEqual(runs[0]);
    expect(runs[0]!.code).toBe(0);
    const files = await readdir(dir);
    expect(files).toHaveLength(1); // the one key's file, each writer's temp file renamed over it
    const before = await stat(path.join(dir, files[0]!));
    expect(await regen()).toEqual(runs[0]);
    expect((await stat(path.join(dir, files[0]!))).ino).toBe(before.ino); // read back and accepted
  });

  it('writes nothing with NODE_DISABLE_COMPILE_CACHE=1', async () => {
    expect((await regen(dir, { NODE_DISABLE_COMPILE_CACHE: '1' })).code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the folder bounded: three cache files at most, and no temp file left by a dead writer', async () => {
    const old = Date.now() / 1000 - 3600;
    for (const [i, name] of ['isr-0000000000000001.v8', 'isr-0000000000000002.v8', 'isr-0000000000000003.v8'].entries()) {
      await writeFile(path.join(dir, name), 'stale');
      await utimes(path.join(dir, name), old + i, old + i);
    }
    await writeFile(path.join(dir, 'isr-0000000000000004.v8.123.tmp'), 'half');
    await utimes(path.join(dir, 'isr-0000000000000004.v8.123.tmp'), old, old);
    await writeFile(path.join(dir, 'notes.txt'), 'not ours');
    expect((await regen()).code).toBe(0);
    const left = (await readdir(dir)).sort();
    expect(left).toHaveLength(4);
    // The newest two stale files stay beside the new one; the rest are gone, a stranger's file is kept.
    expect(left).toEqual(expect.arrayContaining(['isr-0000000000000002.v8', 'isr-0000000000000003.v8', 'notes.txt']));
  });

  it('is not used with --enable-source-maps: Node maps the stack traces only of files it compiles itself', async () => {
    const r = await regen(dir, { NODE_OPTIONS: '--enable-source-maps' });
    expect(r.code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('is not written by `isr --version`, whose cache would hold too little of the CLI', async () => {
    expect((await site.run(['--version'], { env: { NODE_COMPILE_CACHE: dir } })).code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe.runIf(builtIn)("the compile cache of the CLI (Node >= 22.1: Node's own)", () => {
  let site: TempSite;
  let tmp: string;
  beforeAll(async () => {
    site = await tempSite('blog');
    tmp = await mkdtemp(path.join(tmpdir(), 'isr-cc22-'));
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
  });
  afterAll(async () => {
    await site.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });

  // TMPDIR, not NODE_COMPILE_CACHE: with that set, Node would enable its cache without isr.
  it("keeps Node's cache in isr's private folder of the temp folder, unless NODE_DISABLE_COMPILE_CACHE=1", async () => {
    const folder = path.join(tmp, `isr-compile-cache-${process.getuid!()}`);
    const off = await site.run(['regen'], { now: T0, env: { TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(await readdir(tmp)).toEqual([]);
    expect(await site.run(['regen'], { now: T0, env: { TMPDIR: tmp } })).toEqual(off);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect((await readdir(folder)).some((name) => name.startsWith(`${process.version}-${process.arch}-`))).toBe(true);
    expect(await site.run(['regen'], { now: T0, env: { TMPDIR: tmp } })).toEqual(off);
  });
});
