import { afterEach, describe, expect, it } from 'vitest';
import { json } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// `isr regen --dry-run` names the route listings it ran to make its plan (`list`). A listing due
// only because change detection found its folder changed (a title edited: the collection tag) was
// run but left out, since the command asked the planner again without the detected tags.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite;
afterEach(() => site?.cleanup());

describe('isr regen --dry-run after a content edit', () => {
  it('names the listings that are due only because of the detected change', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
    const file = 'content/posts/why-static.md';
    await site.write(file, (await site.read(file)).replace(/^title: .*$/m, 'title: Retitled'));
    // A second later: no window has passed, so only the detected change makes a listing due.
    const r = await site.run(['regen', '--dry-run', '--json'], { now: T0 + 1000 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).list).toEqual([{ route: 'post' }, { route: 'tag' }, { route: 'home-page' }]);
    expect(json(r).render.map((p: { path: string }) => p.path)).toContain('/blog/why-static/');
    const human = await site.run(['regen', '--dry-run'], { now: T0 + 1000 });
    expect(human.stdout.split('\n').filter((l) => l.startsWith('list '))).toHaveLength(3);
  });

  it('names none after a body edit (the listings show front matter only)', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
    const file = 'content/posts/why-static.md';
    await site.write(file, `${await site.read(file)}\nOne more line.\n`);
    const r = await site.run(['regen', '--dry-run', '--json'], { now: T0 + 1000 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).list).toEqual([]);
    expect(json(r).render.map((p: { path: string }) => p.path)).toContain('/blog/why-static/');
  });
});
