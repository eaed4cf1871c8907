import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = '2026-06-01T00:00:00.000Z';
const T1 = '2026-06-01T00:00:30.000Z';
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
/** Every `href`/`src` of a page. */
const links = (html: string) => [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);

describe('a site under a base path (a GitHub Pages project site)', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  it("takes the base from site.url's path: links, assets, the feed, the sitemap, _headers, _redirects and redirect stubs carry it; dist/ keeps the page paths", async () => {
    site = await tempSite('base-path');
    const r = await site.run(['build', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);

    // outDir holds the pages at their own paths: the host maps /repo/ onto the folder.
    expect(existsSync(path.join(site.root, 'dist', 'repo'))).toBe(false);
    expect(await listFiles(path.join(site.root, 'dist'))).toEqual(
      [
        '404.html',
        '_headers',
        '_redirects',
        'blog/hello/index.html',
        'blog/often/index.html',
        'blog/old-name/index.html',
        'feed.xml',
        'index.html',
        'sitemap.xml',
        'style.css',
      ].sort(),
    );

    const home = await site.read('dist/index.html');
    expect(links(home)).toEqual([
      expect.stringMatching(/^\/repo\/style\.css\?v=[A-Za-z0-9_-]{16}$/),
      'https://user.github.io/repo/',
      '/repo/',
      '/repo/blog/hello/',
      '/repo/blog/often/',
    ]);
    // absUrl() of what url() returned: the base once, not twice.
    expect(await site.read('dist/blog/hello/index.html')).toContain(
      '<link rel="canonical" href="https://user.github.io/repo/blog/hello/">',
    );
    expect(await site.read('dist/404.html')).toContain('href="/repo/"');

    const feed = await site.read('dist/feed.xml');
    expect(feed).toContain('<link>https://user.github.io/repo/</link>');
    expect(feed).toContain('<item><link>https://user.github.io/repo/blog/hello/</link></item>');

    const sitemap = await site.read('dist/sitemap.xml');
    expect([...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1])).toEqual([
      'https://user.github.io/repo/',
      'https://user.github.io/repo/blog/hello/',
      'https://user.github.io/repo/blog/often/',
    ]);

    expect(await site.read('dist/_redirects')).toBe('/repo/blog/old-name/ /repo/blog/hello/ 308\n');
    const stub = await site.read('dist/blog/old-name/index.html');
    expect(stub).toContain('<meta http-equiv="refresh" content="0; url=/repo/blog/hello/">');
    expect(stub).not.toMatch(/"\/blog\//);

    const headers = (await site.read('dist/_headers')).split('\n').filter((l) => l.startsWith('/'));
    expect(headers).toEqual(['/repo/', '/repo/blog/:slug/', '/repo/feed.xml', '/repo/404.html', '/repo/blog/often/']);

    // The manifest keeps site paths: the base is output, not identity.
    const m = await site.manifest();
    expect(Object.keys(m.pages).sort()).toEqual(['/', '/404.html', '/blog/hello/', '/blog/often/', '/blog/old-name/', '/feed.xml']);
    expect(m.pages['/blog/old-name/'].redirect).toEqual({ destination: '/blog/hello/', permanent: true });
  });

  it("an explicit base wins over site.url's path, and a base that changes (set from the environment) re-renders every page", async () => {
    site = await tempSite('base-path');
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace('revalidate: 3600,', 'base: process.env.SITE_BASE, revalidate: 3600,'));
    const first = await site.run(['build'], { now: T0, env: { SITE_BASE: '/preview/' } });
    expect(first.code, first.stderr).toBe(0);
    expect(links(await site.read('dist/index.html')).slice(1)).toEqual([
      'https://user.github.io/preview/',
      '/preview/',
      '/preview/blog/hello/',
      '/preview/blog/often/',
    ]);
    expect(await site.read('dist/feed.xml')).toContain('<link>https://user.github.io/preview/</link>');

    // Nothing is due at T1 and the config's text is the same: only the base differs.
    const again = await site.run(['regen', '--json'], { now: T1, env: { SITE_BASE: '/preview/' } });
    expect(json(again).rendered).toEqual([]);
    const moved = await site.run(['regen', '--json'], { now: T1, env: { SITE_BASE: '/repo/' } });
    expect(moved.code, moved.stderr).toBe(0);
    expect(json(moved).rendered.sort()).toEqual(['/', '/404.html', '/blog/hello/', '/blog/often/', '/blog/old-name/', '/feed.xml']);
    expect(links(await site.read('dist/index.html')).slice(2)).toEqual(['/repo/', '/repo/blog/hello/', '/repo/blog/often/']);
    expect(await site.read('dist/_redirects')).toBe('/repo/blog/old-name/ /repo/blog/hello/ 308\n');
  });

  it('regen --path and --paths-from take public paths (with the base) and page paths (without)', async () => {
    site = await tempSite('base-path');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    await site.write('paths.txt', '/repo/\n');
    const r = await site.run(['regen', '--json', '--path', '/repo/blog/hello/', '--path', '/blog/often/', '--paths-from', 'paths.txt'], {
      now: T1,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).rendered.sort()).toEqual(['/', '/blog/hello/', '/blog/often/']);
  });

  it('a site without a path in site.url stays at the root', async () => {
    site = await tempSite('base-path');
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace("'https://user.github.io/repo/'", "'https://example.com'"));
    const r = await site.run(['build'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(links(await site.read('dist/index.html')).slice(1)).toEqual(['https://example.com/', '/', '/blog/hello/', '/blog/often/']);
    expect(await site.read('dist/_redirects')).toBe('/blog/old-name/ /blog/hello/ 308\n');
  });

  it('refuses a base that is not a folder path: one line naming it, exit 3, nothing written', async () => {
    site = await tempSite('base-path');
    const config = await site.read('isr.config.mjs');
    for (const [bad, expected] of [
      ["'repo/'", 'a path starting with "/", found string "repo/"'],
      ["'/repo/../x/'", 'a path without empty, "." or ".." segments, found string "/repo/../x/"'],
      ["'/repo/?x'", 'a path without "?", "#", backslashes or spaces, found string "/repo/?x"'],
    ]) {
      await site.write('isr.config.mjs', config.replace('revalidate: 3600,', `base: ${bad}, revalidate: 3600,`));
      const r = await site.run(['build'], { now: T0 });
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`isr: isr.config.mjs: base: expected ${expected} (see "Config reference" in the README) [CONFIG_INVALID]\n`);
      expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
      expect(existsSync(path.join(site.root, '.isr'))).toBe(false);
    }
  });
});
