import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Change detection of a Markdown body edit (front matter byte for byte the same) on the example
// blog: the post's page renders again, the folder's listings are not run (they show front
// matter only), and a front-matter edit still runs them. Nothing expires at T0.
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
/** When the regens run: a second later, long before any window (10 min or more) passes. */
const T1 = T0 + 1000;
/** When each route's paths() last ran (the manifest head's `listedAt`). */
const listedAt = async (site: TempSite) =>
  Object.fromEntries(
    Object.entries((await site.manifest()).routes as Record<string, { listedAt: number }>).map(([r, v]) => [r, v.listedAt]),
  );

describe('isr regen after a Markdown body edit', () => {
  let site: TempSite;
  afterEach(async () => site?.cleanup());

  async function regen() {
    const r = await site.run(['regen', '--json'], { now: T1 });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  it('renders the post and the pages showing that entry, without running the listings', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const file = 'content/posts/hello-world.md';
    await site.write(file, `${await site.read(file)}\nA new closing paragraph.\n`);
    const out = await regen();
    expect(out.rendered).toContain('/blog/hello-world/');
    expect(Object.values(await listedAt(site))).toEqual([T0, T0, T0]); // no route's paths() ran
    expect(out.rendered).not.toContain('/blog/why-static/');
    for (const p of out.plan.render) expect(p.reasons).toEqual(['changed']);
    // A listing page showing the entry renders the same bytes; the sitemap gets the page's new date.
    expect(out.written).toEqual(['blog/hello-world/index.html', 'sitemap.xml']);
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('A new closing paragraph.');
    expect((await regen()).rendered).toEqual([]);
  });

  it('a front-matter edit still runs the listings (a title shows in them)', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const file = 'content/posts/why-static.md';
    await site.write(file, (await site.read(file)).replace(/title: .*/, 'title: Retitled'));
    const out = await regen();
    expect(out.rendered).toEqual(expect.arrayContaining(['/blog/why-static/', '/', '/feed.xml']));
    expect(await site.read('dist/index.html')).toContain('Retitled');
    expect(Object.values(await listedAt(site))).toEqual([T1, T1, T1]);
  });
});
