import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 21 items 3 and 4 through the real CLI, on fixtures/md-docs (files({ dir: 'content', permalink: '/docs/:path/', resources: true })).
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const json = (r: { stdout: string }) => JSON.parse(r.stdout);

let site: TempSite;
afterEach(() => site?.cleanup());

describe('Markdown pages of a files() folder', () => {
  it('link to each other by page URL and to their images by published URL, with heading ids to land on', async () => {
    site = await tempSite('md-docs');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'warning docs: content/guide/install.md links to nowhere.md, but content/guide/nowhere.md does not exist (the link is left as written)',
    );
    const install = await site.read('dist/docs/guide/install/index.html');
    expect(install).toContain('<a href="/docs/guide/usage/#options">the options</a>');
    expect(install).toContain('<img src="/docs/guide/img/flow.png" alt="the flow">');
    expect(install).toContain('<a href="/docs/guide/">back to the guide</a> or to <a href="/docs/bundle/">the bundle</a>');
    expect(install).toContain('<a href="nowhere.md">broken</a>');
    expect(install).toContain('<code class="language-rust">');
    expect(await site.read('dist/docs/guide/usage/index.html')).toContain('<h2 id="options">Options</h2>');
    expect(await site.read('dist/docs/bundle/index.html')).toContain('<img src="/docs/bundle/cat.png" alt="the cat">');
  });
});

describe('page resources', () => {
  it('are published beside their pages, then copied and removed incrementally, listed in written and removed', async () => {
    site = await tempSite('md-docs');
    const build = await site.run(['build', '--json'], { now: T0 });
    expect(build.code, build.stderr).toBe(0);
    expect(json(build).written).toEqual(expect.arrayContaining(['docs/guide/img/flow.png', 'docs/bundle/cat.png']));
    expect(await site.read('dist/docs/guide/img/flow.png')).toBe('PNG-flow');
    expect(await site.read('dist/docs/bundle/cat.png')).toBe('PNG-cat');
    // Markdown sources are not resources.
    await expect(site.read('dist/docs/guide/install.md')).rejects.toThrow();

    const same = await site.run(['regen', '--json'], { now: T0 + 1000 });
    expect(json(same).written).toEqual([]);

    await site.write('content/guide/img/flow.png', 'PNG-flow-2');
    await rm(path.join(site.root, 'content/bundle/cat.png'));
    await site.write('content/guide/img/new.svg', '<svg/>');
    const regen = await site.run(['regen', '--json'], { now: T0 + 2000 });
    expect(regen.code, regen.stderr).toBe(0);
    expect(json(regen).written).toEqual(expect.arrayContaining(['docs/guide/img/flow.png', 'docs/guide/img/new.svg']));
    expect(json(regen).written).not.toContain('docs/bundle/cat.png');
    expect(json(regen).removed).toContain('docs/bundle/cat.png');
    expect(await site.read('dist/docs/guide/img/flow.png')).toBe('PNG-flow-2');
    await expect(site.read('dist/docs/bundle/cat.png')).rejects.toThrow();
  });

  it('may not take a file the public folder publishes: exit 5 naming both, nothing published', async () => {
    site = await tempSite('md-docs');
    await site.write('public/docs/guide/img/flow.png', 'other');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      "content/guide/img/flow.png and the public folder's docs/guide/img/flow.png both write docs/guide/img/flow.png",
    );
    await expect(site.read('dist/docs/guide/index.html')).rejects.toThrow();
  });
});
