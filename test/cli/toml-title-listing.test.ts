import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Change detection splits a Markdown file into front matter and body (sources/front-matter.ts
// frontMatterEnd): a body-only edit skips the folder's listings. For a `+++` TOML block the split
// must find the block's end, or a title edit reads as a body edit and the listing keeps the old title.
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const json = (r: { stdout: string }) => JSON.parse(r.stdout);

let site: TempSite;
afterEach(() => site?.cleanup());

describe('isr regen with change detection and +++ TOML front matter', () => {
  it('re-renders the listing that shows a title when only the title in the TOML block is edited', async () => {
    site = await tempSite('toml-listing');
    const build = await site.run(['build'], { now: T0 });
    expect(build.code, build.stderr).toBe(0);
    expect(await site.read('dist/index.html')).toContain('<a href="/posts/first/">First post</a>');

    await site.write('content/first.md', (await site.read('content/first.md')).replace('title = "First post"', 'title = "Renamed"'));
    const r = await site.run(['regen', '--json'], { now: T0 + 1000 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).rendered.sort()).toEqual(['/', '/posts/first/']);
    expect(await site.read('dist/index.html')).toContain('<a href="/posts/first/">Renamed</a>');
  });

  it('re-renders only the page itself when only the body below the TOML block is edited', async () => {
    site = await tempSite('toml-listing');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    await site.write('content/first.md', (await site.read('content/first.md')).replace('The body', 'The new body'));
    const r = await site.run(['regen', '--json'], { now: T0 + 1000 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).rendered).toEqual(['/posts/first/']);
  });
});
