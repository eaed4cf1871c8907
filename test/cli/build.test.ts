import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOG_PAGES, BLOG_SITEMAP_PAGES } from '../helpers/blog.js';
import { builtOnce } from '../helpers/built-once.js';
import { listFiles, snapshot, sorted } from '../helpers/files.js';
import { BIN, runCli, spawn, type TempSite, tempSite } from '../helpers/site.js';

const T0 = '2026-06-01T00:00:00.000Z';
const T0_MS = Date.parse(T0);

const PAGE_FILES = [
  '404.html',
  'blog/cron-in-ci/index.html',
  'blog/hello-world/index.html',
  'blog/revalidate-explained/index.html',
  'blog/why-static/index.html',
  'feed.xml',
  'index.html',
  'page/2/index.html',
  'tags/ci/index.html',
  'tags/guide/index.html',
  'tags/hosting/index.html',
  'tags/isr/index.html',
  'tags/meta/index.html',
];
const ALL_FILES = sorted([...PAGE_FILES, '_headers', 'sitemap.xml', 'style.css']);

describe('isr build of the example blog', () => {
  const built = builtOnce('blog', { now: T0, flags: ['--json'] });

  it('exits 0 with one JSON object on stdout and nothing on stderr', () => {
    expect(built.result.code).toBe(0);
    expect(built.result.stderr).toBe('');
    const json = JSON.parse(built.result.stdout);
    expect(Object.keys(json)).toEqual(['rendered', 'written', 'unchanged', 'removed', 'failed', 'listingFailed', 'durationMs']);
    expect(sorted(json.rendered)).toEqual(BLOG_PAGES);
    expect(sorted(json.written)).toEqual(ALL_FILES);
    expect(json.unchanged).toEqual([]);
    expect(json.removed).toEqual([]);
    expect(json.failed).toEqual([]);
    expect(Number.isInteger(json.durationMs)).toBe(true);
  });

  it('writes exactly the pages, sitemap.xml and _headers (no draft, no temp files)', async () => {
    expect(await listFiles(path.join(built.site.root, 'dist'))).toEqual(ALL_FILES);
  });

  it('writes a manifest describing every page', async () => {
    const m = await built.site.manifest();
    expect(m.version).toBe(2);
    expect(m.generator).toBe('isr 0.1.0');
    expect(m.updatedAt).toBe(T0_MS);
    expect(m.configHash).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(m.pendingRemovals).toBeUndefined();
    expect(Object.keys(m.templates).sort()).toEqual(['404.eta', 'feed.eta', 'index.eta', 'post.eta', 'tag.eta']);
    expect(m.templates['post.eta'].deps).toEqual(['asset:/style.css', 'layouts/base.eta', 'partials/header.eta', 'partials/post-meta.eta']);
    expect(m.templates['feed.eta'].deps).toEqual([]);
    expect(m.routes).toEqual({
      post: { listedAt: T0_MS, listRevalidate: 3600, tags: ['files:content/posts'] },
      tag: { listedAt: T0_MS, listRevalidate: 3600, tags: ['files:content/posts'] },
      'home-page': { listedAt: T0_MS, listRevalidate: 600, tags: ['files:content/posts'] },
    });
    expect(Object.keys(m.pages)).toEqual(BLOG_PAGES);
    const hello = m.pages['/blog/hello-world/'];
    expect(hello).toEqual({
      route: 'post',
      params: { slug: 'hello-world' },
      builtAt: T0_MS,
      changedAt: T0_MS,
      revalidate: 3600,
      tags: ['file:content/posts/hello-world.md', 'tag:isr', 'tag:meta'],
      file: 'blog/hello-world/index.html',
      status: 'ok',
      outputHash: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      dataHash: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      templateHash: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    });
    // Each page of the home page's list depends on the posts it shows (3 a page) and on the
    // collection (a new post shifts them all), not on the posts of the other pages.
    expect(m.pages['/'].tags).toEqual([
      'file:content/posts/cron-in-ci.md',
      'file:content/posts/revalidate-explained.md',
      'file:content/posts/why-static.md',
      'files:content/posts',
    ]);
    expect(m.pages['/page/2/'].tags).toEqual(['file:content/posts/hello-world.md', 'files:content/posts']);
    expect(m.pages['/page/2/'].params).toEqual({ n: '2' });
    expect(m.pages['/'].revalidate).toBe(600);
    expect(m.pages['/404.html'].revalidate).toBe(false);
    expect(m.pages['/tags/meta/'].tags).toEqual(['file:content/posts/hello-world.md', 'files:content/posts']);
  });

  it('writes a sitemap of the HTML pages (not the feed or 404) with lastmod', async () => {
    const urls = BLOG_SITEMAP_PAGES.map((p) => `  <url><loc>https://blog.example.com${p}</loc><lastmod>${T0}</lastmod></url>`);
    expect(await built.site.read('dist/sitemap.xml')).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`,
    );
  });

  it('writes the RSS feed newest first with absolute links, and leaves the draft out', async () => {
    const feed = await built.site.read('dist/feed.xml');
    expect([...feed.matchAll(/<link>(.*?)<\/link>/g)].map((m) => m[1])).toEqual([
      'https://blog.example.com/',
      'https://blog.example.com/blog/cron-in-ci/',
      'https://blog.example.com/blog/revalidate-explained/',
      'https://blog.example.com/blog/why-static/',
      'https://blog.example.com/blog/hello-world/',
    ]);
    expect(feed).toContain('<pubDate>Thu, 02 Apr 2026 00:00:00 GMT</pubDate>');
    expect(feed).not.toContain('draft');
  });

  it('renders a post through its layout and partial, with its Markdown as HTML', async () => {
    const html = await built.site.read('dist/blog/hello-world/index.html');
    expect(html).toContain('<title>Hello, world · The isr example blog</title>');
    expect(html).toContain('<a class="brand" href="/">The isr example blog</a>');
    expect(html).toContain('<nav aria-label="Site"><a href="/">Posts</a> <a href="/feed.xml">RSS</a></nav>');
    expect(html).toContain('<p>This blog is built by <strong>isr</strong>: static files, regenerated when they are due.</p>');
    expect(html).toContain('<a href="/tags/meta/">#meta</a> <a href="/tags/isr/">#isr</a>');
  });

  it('renders the 404 page and the tag pages without drafts', async () => {
    expect(await built.site.read('dist/404.html')).toContain('<h1>Page not found</h1>');
    const meta = await built.site.read('dist/tags/meta/index.html');
    expect([...meta.matchAll(/<h2><a href="(.*?)">/g)].map((m) => m[1])).toEqual(['/blog/hello-world/']);
  });

  it('writes _headers with the Cache-Control of each route', async () => {
    expect(await built.site.read('dist/_headers')).toBe(
      [
        '# Written by isr: Cache-Control per page from its revalidate interval.',
        '/',
        '  Cache-Control: public, max-age=0, s-maxage=600, stale-while-revalidate=600',
        '/blog/:slug/',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/tags/:tag/',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/feed.xml',
        '  Cache-Control: public, max-age=0, s-maxage=3600, stale-while-revalidate=3600',
        '/404.html',
        '  Cache-Control: public, max-age=0, s-maxage=31536000, must-revalidate',
        '/page/:n/',
        '  Cache-Control: public, max-age=0, s-maxage=600, stale-while-revalidate=600',
        '',
      ].join('\n'),
    );
  });

  // Last: it builds again over the first build.
  it('a second build renders everything again but rewrites no file (same bytes, inode, mtime)', async () => {
    const before = await snapshot(built.site.root);
    const second = await built.site.run(['build', '--json'], { now: '2026-06-01T00:00:10Z' });
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout);
    expect(sorted(json.rendered)).toEqual(BLOG_PAGES);
    expect(json.written).toEqual([]);
    expect(sorted(json.unchanged)).toEqual(PAGE_FILES);
    const after = await snapshot(built.site.root);
    const out = (s: typeof before) => Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('.isr/')));
    expect(out(after)).toEqual(out(before));
    // The manifest moves on (builtAt) but the bytes did not change, so changedAt stays.
    const m = await built.site.manifest();
    expect(m.pages['/'].builtAt).toBe(T0_MS + 10_000);
    expect(m.pages['/'].changedAt).toBe(T0_MS);
    expect(before['.isr/manifest.json']!.text).not.toBe(after['.isr/manifest.json']!.text);
  });
});

describe('isr build options', () => {
  let site: TempSite;
  beforeAll(async () => {
    site = await tempSite('blog');
  });
  afterAll(() => site.cleanup());

  it('prints one summary line on stderr without --json', async () => {
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^built 13 pages in \d+\.\d\ds: 16 written, 0 unchanged, 0 removed, 0 failed\n$/);
  });

  it('prints nothing with --quiet', async () => {
    const r = await site.run(['build', '--quiet'], { now: T0 });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('writes into the --out folder (relative to the site root) and leaves outDir alone', async () => {
    const before = await listFiles(path.join(site.root, 'dist'));
    const r = await site.run(['build', '--out', 'www', '--quiet'], { now: T0 });
    expect(r.code).toBe(0);
    expect(await listFiles(path.join(site.root, 'www'))).toEqual(ALL_FILES);
    expect(await listFiles(path.join(site.root, 'dist'))).toEqual(before);
  });

  it('takes the site root as an argument from another working directory', async () => {
    const r = await runCli(['build', site.root, '--json'], { cwd: path.dirname(site.root), now: T0 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rendered).toHaveLength(13);
  });
});

describe('isr --version and --help', () => {
  it('prints the version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    expect(await runCli(['-v'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('prints usage listing every command', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['build', 'regen', 'status', 'init', 'serve']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });

  it.each([
    ['build', ['--out', '--concurrency', '--json', '--quiet', '--wait']],
    ['regen', ['--path', '--paths-from', '--tag', '--route', '--all', '--dry-run', '--exec', '--wait', '--json']],
    ['status', ['--json']],
    ['init', ['--force']],
    ['serve', ['--port', '--host', '--watch']],
  ])('prints the usage of %s', async (cmd, flags) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(`Usage: isr ${cmd} [options]`)).toBe(true);
    for (const f of flags) expect(r.stdout).toContain(f);
  });

  it('refuses an unknown command with a usage error', async () => {
    const r = await runCli(['rebuild']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("isr: unknown command 'rebuild' (Did you mean build?) (see isr --help)\n");
  });
});

describe('isr init', () => {
  it('creates a starter site that builds', async () => {
    const site = await tempSite('blog'); // only for a temp folder with node_modules/static-isr
    try {
      const r = await runCli(['init', 'starter'], { cwd: site.root });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Created a starter site in starter');
      const root = path.join(site.root, 'starter');
      expect(existsSync(path.join(root, '.gitignore'))).toBe(true);
      expect(existsSync(path.join(root, 'gitignore'))).toBe(false);
      // Resolve `isr` the way an installed site would (node_modules up the tree).
      const b = await runCli(['build', '--json'], { cwd: root, now: T0 });
      expect(b.code).toBe(0);
      expect(JSON.parse(b.stdout).failed).toEqual([]);
      expect(await listFiles(path.join(root, 'dist'))).toContain('index.html');
      const again = await runCli(['init', 'starter'], { cwd: site.root });
      expect(again.code).toBe(2);
      expect(again.stderr).toBe('isr: starter is not empty (choose a new folder, or pass --force to write into it) [USAGE]\n');
    } finally {
      await site.cleanup();
    }
  });
});

describe('templates folder', () => {
  it('finds templates through a symlinked folder (shared partials) and ignores dot-folders', async () => {
    const site = await tempSite('blog');
    try {
      // partials/ moved out of the site and linked back; a dot-folder holds a broken copy.
      await rename(path.join(site.root, 'templates', 'partials'), path.join(site.root, 'shared-partials'));
      await symlink(path.join(site.root, 'shared-partials'), path.join(site.root, 'templates', 'partials'), 'dir');
      await mkdir(path.join(site.root, 'templates', '.trash'));
      await writeFile(path.join(site.root, 'templates', '.trash', 'post.eta'), '<% broken');
      const r = await site.run(['build', '--json'], { now: T0 });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).failed).toEqual([]);
      const m = await site.manifest();
      // The pages used the linked partial (a missing one fails them, checked above).
      expect(Object.values<{ deps: string[] }>(m.templates).some((t) => t.deps.includes('partials/header.eta'))).toBe(true);
    } finally {
      await site.cleanup();
    }
  });
});

describe('a first build (no output folder yet)', () => {
  let site: TempSite | undefined;
  afterAll(() => site?.cleanup());

  it('publishes the output folder whole: killed midway it leaves none, and the next build sweeps what it staged', async () => {
    site = await tempSite('serve-site');
    const s = site;
    // One page's load() waits while the file `hold` exists, so the build is caught mid-run.
    await s.write('content/items/zz.json', JSON.stringify({ title: 'Zz', gate: 'hold' }));
    await s.write('hold', '');
    const child = spawn(process.execPath, [BIN, 'build', s.root], { env: { ...process.env, ISR_NOW: T0 }, stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const state = path.join(s.root, '.isr');
    const staged = async () => {
      const temp = (await readdir(state).catch(() => [] as string[])).find((f) => f.endsWith('.isr-tmp'));
      return temp && existsSync(path.join(state, temp, 'items/alpha/index.html')) ? temp : undefined;
    };
    // Only ends a wait that would never succeed (the gate holds the build as long as it takes).
    const deadline = Date.now() + 45_000;
    let temp: string | undefined;
    while (!(temp = await staged()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(temp).toMatch(/^\.dist\..*\.isr-tmp$/);
    // Pages are staged, not one of them published: there is no output folder at all.
    expect(existsSync(path.join(s.root, 'dist'))).toBe(false);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path.join(s.root, 'dist'))).toBe(false);

    await rm(path.join(s.root, 'hold'));
    const again = await s.run(['build'], { now: T0 });
    expect(again.code).toBe(0);
    expect(await s.read('dist/items/zz/index.html')).toContain('Zz');
    expect(await s.read('dist/items/alpha/index.html')).toContain('Alpha');
    // The killed build's staged folder is gone (swept when its dead lock was taken over).
    expect((await readdir(state)).filter((f) => f.endsWith('.isr-tmp'))).toEqual([]);
    expect(await listFiles(path.join(s.root, 'dist'))).not.toContainEqual(expect.stringMatching(/isr-tmp/));
  }, 120_000);
});
