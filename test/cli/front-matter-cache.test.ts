import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pastRacyWindow } from '../helpers/racy.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 18 item 2: the files source keeps each file's front matter between processes
// (sources/front-matter-cache.ts), under the stat change detection took, so a regen after one
// title edit does not parse the whole folder for its listings. The example blog's home page lists
// the three newest posts' titles (cron-in-ci, revalidate-explained, why-static) from list().
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
let site: TempSite;
afterEach(async () => site?.cleanup());

const cacheFile = () => {
  const dir = path.join(site.root, '.isr', 'cache');
  const name = readdirSync(dir).find((n) => n.endsWith('.front-matter'));
  expect(name, 'the front-matter cache was written').toBeDefined();
  return path.join(dir, name!);
};
const retitle = async (file: string, title: string) => site.write(file, (await site.read(file)).replace(/^title: .*$/m, `title: ${title}`));
let clock = T0;
async function regen() {
  clock += 1000;
  const r = await site.run(['regen', '--json'], { now: clock });
  expect(r.code, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout), stderr: r.stderr };
}
async function built() {
  site = await tempSite('blog');
  // Files written within 100 ms of a run's stat are not kept ("racy"): the fixture was copied
  // just now, and a cache missing an entry would make the damage below a no-op.
  await pastRacyWindow(site.root);
  clock = T0;
  const r = await site.run(['build'], { now: T0 });
  expect(r.code, r.stderr).toBe(0);
}

describe('the front-matter cache of a files() source, across processes', () => {
  it('lists the titles edited in earlier runs, never an older one it holds', async () => {
    await built();
    await retitle('content/posts/why-static.md', 'Retitled A');
    expect((await regen()).rendered).toContain('/');
    expect(await site.read('dist/index.html')).toContain('Retitled A');
    // The next title edit lists every file again: why-static's entry must be its new title.
    await retitle('content/posts/cron-in-ci.md', 'Retitled B');
    expect((await regen()).rendered).toContain('/');
    const home = await site.read('dist/index.html');
    expect(home).toContain('Retitled A');
    expect(home).toContain('Retitled B');
    expect(home).toContain('Revalidate, explained');
  });

  it('a second build, its front matter from the cache and its bodies from the files, writes nothing new', async () => {
    await built();
    const again = await site.run(['build', '--json'], { now: T0 });
    expect(again.code, again.stderr).toBe(0);
    const out = JSON.parse(again.stdout);
    expect(out.rendered.length).toBeGreaterThan(5);
    expect(out.written).toEqual([]);
  });

  it('is written only by a run that published: a dry run and a run stopped by bad input leave it as it was', async () => {
    await built();
    const before = readFileSync(cacheFile(), 'utf8');
    await retitle('content/posts/why-static.md', 'Retitled A');
    clock += 1000;
    expect((await site.run(['regen', '--dry-run'], { now: clock })).code).toBe(0);
    expect(readFileSync(cacheFile(), 'utf8')).toBe(before);
    // A broken date in another post: the listing reads it and the run stops (exit 5) before publishing.
    await site.write(
      'content/posts/hello-world.md',
      (await site.read('content/posts/hello-world.md')).replace(/^date: .*$/m, 'date: someday'),
    );
    const bad = await site.run(['regen'], { now: clock });
    expect(bad.code, bad.stderr).toBe(5);
    expect(readFileSync(cacheFile(), 'utf8')).toBe(before);
  });

  it('takes an unchanged file’s front matter from the cache, not from the file', async () => {
    await built();
    // A second build: files written within 100 ms of a run's stat are not kept ("racy"), and the
    // fixture was copied just before the first one.
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    // Only the cache changes (the file's stat is the one recorded): a listing shows what the cache says.
    const file = cacheFile();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('"title":"Revalidate, explained"');
    writeFileSync(file, text.replace('"title":"Revalidate, explained"', '"title":"From the cache"'));
    await retitle('content/posts/why-static.md', 'Retitled A');
    await regen();
    const home = await site.read('dist/index.html');
    expect(home).toContain('From the cache');
    expect(home).toContain('Retitled A');
  });

  it.each([
    ['not a cache at all', () => 'garbage\n'],
    ['cut short in the middle of a line', (t: string) => t.slice(0, Math.floor(t.length / 2))],
    ['a line whose JSON is broken', (t: string) => t.replace('"title":"Revalidate, explained"', '"title":"Revalidate')],
    ['one line fewer than its header counts', (t: string) => `${t.split('\n').slice(0, -2).join('\n')}\n`],
  ])('a cache that is %s is ignored with one warning, and every title is read from the files', async (_what, damage) => {
    await built();
    const file = cacheFile();
    const text = readFileSync(file, 'utf8');
    expect(damage(text), 'the damage changes the cache').not.toBe(text);
    writeFileSync(file, damage(text));
    await retitle('content/posts/why-static.md', 'Retitled A');
    const out = await regen();
    expect(out.stderr).toMatch(/front-matter cache .* is unusable/);
    expect(out.stderr.match(/front-matter cache/g)).toHaveLength(1);
    const home = await site.read('dist/index.html');
    for (const title of ['Retitled A', 'Revalidate, explained', 'Running regen from cron in CI']) expect(home).toContain(title);
    // Written whole again by that run: the next one finds it usable.
    await retitle('content/posts/why-static.md', 'Retitled C');
    const next = await regen();
    expect(next.stderr).not.toMatch(/front-matter cache/);
    expect(await site.read('dist/index.html')).toContain('Retitled C');
  });

  it('sees a file rewritten in place with its size and mtime put back (the ctime moved)', async () => {
    site = await tempSite('blog');
    const abs = path.join(site.root, 'content/posts/why-static.md');
    // Whole seconds, so that putting the mtime back is exact (utimes takes seconds as a double).
    const mtime = 1_780_000_000;
    utimesSync(abs, mtime, mtime);
    clock = T0;
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const before = statSync(abs);
    const text = readFileSync(abs, 'utf8');
    // Same length, same inode (written in place), mtime restored: only the ctime differs.
    const edited = text.replace('title: Why static hosting still wins', 'title: Why static hosting still lost');
    expect(edited.length).toBe(text.length);
    writeFileSync(abs, edited);
    utimesSync(abs, mtime, mtime);
    const after = statSync(abs);
    expect([after.size, after.mtimeMs, after.ino]).toEqual([before.size, before.mtimeMs, before.ino]);
    const out = await regen();
    expect(out.rendered).toEqual(expect.arrayContaining(['/', '/blog/why-static/']));
    expect(await site.read('dist/index.html')).toContain('Why static hosting still lost');
    expect(await site.read('dist/blog/why-static/index.html')).toContain('Why static hosting still lost');
  });
});
