import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// A files() snapshot that parses as JSON but is not one isr wrote (hand-edited, truncated by a
// tool, from another version): never trusted in part, never a crash. The example blog, at T0
// nothing expires, so every page rendered is one change detection asked for.
const T0 = '2026-06-01T00:00:00.000Z';
const SNAPSHOT = '.isr/cache/posts.changes.json';

describe('a corrupt files snapshot', () => {
  let site: TempSite;
  afterEach(async () => site?.cleanup());

  const cases: [string, (real: any) => unknown][] = [
    ['null', () => null],
    ['an array', () => []],
    ['another version', (real) => ({ ...real, version: 99 })],
    ['not a string of lines', (real) => ({ ...real, files: { 'content/posts/hello-world.md': real.files } })],
    ['a line of the wrong shape', (real) => ({ ...real, files: real.files.replace(/\n[^\n]*\n/, '\ncontent/posts/x.md\tbig\n') })],
    ['cut short', (real) => ({ ...real, files: real.files.slice(0, real.files.length / 2) })],
    [
      'an old-format (version 1) record of the wrong shape',
      () => ({ version: 1, files: { 'content/posts/hello-world.md': { size: 'big' } } }),
    ],
  ];
  it.each(cases)('(%s) is ignored with a warning and a full comparison, and the next run is quiet again', async (_name, corrupt) => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const real = JSON.parse(await site.read(SNAPSHOT));
    await writeFile(path.join(site.root, SNAPSHOT), JSON.stringify(corrupt(real)));
    // An edit made meanwhile must be among what renders.
    await site.write(
      'content/posts/why-static.md',
      (await site.read('content/posts/why-static.md')).replace(/title: .*/, 'title: Edited meanwhile'),
    );

    const r = await site.run(['regen', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/posts: its change snapshot is not one isr wrote .*comparing every file of content\/posts/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    const out = JSON.parse(r.stdout);
    // Every page of the source renders again (a post page per file, and the listings).
    const posts = Object.keys((await site.manifest()).pages).filter((p) => p.startsWith('/blog/'));
    expect(out.rendered).toEqual(expect.arrayContaining([...posts, '/', '/feed.xml']));
    expect(await site.read('dist/blog/why-static/index.html')).toContain('Edited meanwhile');

    const next = await site.run(['regen', '--json'], { now: T0 });
    expect(JSON.parse(next.stdout).rendered).toEqual([]);
    expect(next.stderr).toBe('');
  });
});
