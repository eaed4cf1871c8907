import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// The files snapshot is saved only once a run has published: a run stopped by bad input found
// after the sources were asked (a broken front matter, found by the listing) must leave it, so
// an edit made at the same time is still published once the bad file is fixed. (A broken
// template would not do: it stops the run before change detection.) Nothing expires at T0.
const T0 = '2026-06-01T00:00:00.000Z';

describe('a run stopped by bad input after change detection', () => {
  let site: TempSite;
  afterEach(async () => site?.cleanup());

  it('keeps the snapshot: the edit found with it is published by the next run', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const edited = 'content/posts/hello-world.md';
    await site.write(edited, `${await site.read(edited)}\nWritten while another file was broken.\n`);
    const broken = 'content/posts/why-static.md';
    const good = await site.read(broken);
    await site.write(broken, good.replace(/title: .*/, 'title: [never closed'));

    const failed = await site.run(['regen'], { now: T0 });
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toMatch(/why-static\.md/);
    expect(await site.read('dist/blog/hello-world/index.html')).not.toContain('Written while');

    await site.write(broken, good); // fixed: the same bytes as at the last publish
    const r = await site.run(['regen', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).rendered).toContain('/blog/hello-world/');
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('Written while another file was broken.');
  });
});
