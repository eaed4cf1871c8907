import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Page resources in the one URL model (issue 21 item 4): opt-in with files({ resources: true }),
// published at the URL of their folder's page (its index entry's url) plus the path below it.
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const OPTS = "files({ dir: 'content', permalink: '/docs/:path/', resources: true })";

let site: TempSite;
afterEach(() => site?.cleanup());

describe('page resources of a files() folder', () => {
  it('are not published without resources: true, and links to them are left as written', async () => {
    site = await tempSite('md-docs');
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace(OPTS, "files({ dir: 'content', permalink: '/docs/:path/' })"));
    const r = await site.run(['build', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).written.filter((f: string) => f.endsWith('.png'))).toEqual([]);
    expect(existsSync(path.join(site.root, 'dist/docs/bundle/cat.png'))).toBe(false);
    const install = await site.read('dist/docs/guide/install/index.html');
    expect(install).toContain('<img src="img/flow.png" alt="the flow">');
    // Links to other content files are still their entries' URLs.
    expect(install).toContain('<a href="/docs/guide/usage/#options">the options</a>');
  });

  it("follow their folder's page: a bundle's own permalink moves its images with it, linked with the base path", async () => {
    site = await tempSite('md-docs');
    const bundle = await site.read('content/bundle/index.md');
    await site.write('content/bundle/index.md', bundle.replace('title: A bundle', 'title: A bundle\npermalink: /docs/cats/'));
    // A route for the moved page: the catch-all serves ids, so give the bundle a path of its own.
    const config = await site.read('isr.config.mjs');
    await site.write(
      'isr.config.mjs',
      config
        .replace("url: 'https://docs.example.com'", "url: 'https://docs.example.com/repo/'")
        .replace('.map((e) => ({ path: e.id }))', ".map((e) => ({ path: e.url.slice('/docs/'.length, -1) }))")
        .replace('const id = params.path;', "const id = params.path === 'cats' ? 'bundle' : params.path;"),
    );
    const r = await site.run(['build', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).written).toEqual(expect.arrayContaining(['docs/cats/cat.png', 'docs/guide/img/flow.png']));
    expect(await site.read('dist/docs/cats/cat.png')).toBe('PNG-cat');
    expect(await site.read('dist/docs/cats/index.html')).toContain('<img src="/repo/docs/cats/cat.png" alt="the cat">');
    // install.md links to ../bundle/index.md: the bundle entry's URL, not its folder.
    expect(await site.read('dist/docs/guide/install/index.html')).toContain('<a href="/repo/docs/cats/">the bundle</a>');
  });
});
