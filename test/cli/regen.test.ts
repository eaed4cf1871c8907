import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { contents, json, listFiles, planned, snapshot, sorted } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

// The example blog, built once at T0; every test works on its own copy of that build.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const TAG_PAGES = ['/tags/ci/', '/tags/guide/', '/tags/hosting/', '/tags/isr/', '/tags/meta/'];
const POSTS = ['/blog/cron-in-ci/', '/blog/hello-world/', '/blog/revalidate-explained/', '/blog/why-static/'];

const built = builtOnce('blog', { now: at(0) });
let site: TempSite;

async function fresh(): Promise<TempSite> {
  site = await built.copy();
  return site;
}

const only = (paths: string[], reason: string) => Object.fromEntries(sorted(paths).map((p) => [p, [reason]]));
const byPath = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

describe('isr regen: nothing due', () => {
  it('says "nothing due", exits 0 and touches no file, not even the manifest', async () => {
    await fresh();
    const before = await snapshot(site.root);
    const r = await site.run(['regen'], { now: at(599) });
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'nothing due\n' });
    expect(await snapshot(site.root)).toEqual(before);
  });

  it('prints an empty plan with --json', async () => {
    await fresh();
    const r = await site.run(['regen', '--json'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect({ ...json(r), durationMs: 0 }).toEqual({
      rendered: [],
      written: [],
      unchanged: [],
      removed: [],
      failed: [],
      listingFailed: [],
      plan: { render: [], remove: [], errors: [], unmatchedTags: [] },
      errors: [],
      durationMs: 0,
    });
  });
});

describe('isr regen: expiry (ISR_NOW)', () => {
  it('re-renders only the home page (both its pages) once their 600 s have passed, and records the new builtAt', async () => {
    await fresh();
    const before = await site.manifest();
    const r = await site.run(['regen', '--json'], { now: at(600) });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.plan.render).toEqual([
      { path: '/', route: 'home', reasons: ['expired'] },
      { path: '/page/2/', route: 'home-page', reasons: ['expired'] },
    ]);
    expect(out.rendered).toEqual(['/', '/page/2/']);
    expect(out.written).toEqual([]);
    expect(out.unchanged).toEqual(['index.html', 'page/2/index.html']);
    const after = await site.manifest();
    expect(after.pages['/'].builtAt).toBe(T0 + 600_000);
    expect(after.pages['/'].changedAt).toBe(T0);
    const { '/': _a, '/page/2/': _c, ...restBefore } = before.pages;
    const { '/': _b, '/page/2/': _d, ...restAfter } = after.pages;
    expect(restAfter).toEqual(restBefore);
  });

  it('re-renders every page with a timer after an hour, but never the revalidate-false 404', async () => {
    await fresh();
    const r = await site.run(['regen', '--json'], { now: at(3600) });
    expect(r.code).toBe(0);
    expect(byPath(planned(r))).toEqual(only(['/', '/page/2/', '/feed.xml', ...POSTS, ...TAG_PAGES], 'expired'));
    expect(json(r).written).toEqual([]);
    const m = await site.manifest();
    expect(m.routes.post.listedAt).toBe(T0 + 3600_000);
    expect(m.pages['/404.html'].builtAt).toBe(T0);
  });
});

describe('isr regen: named pages', () => {
  it('renders a --path that is not due, adding the trailing slash', async () => {
    await fresh();
    const r = await site.run(['regen', '--json', '--path', '/blog/hello-world'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(json(r).plan.render).toEqual([{ path: '/blog/hello-world/', route: 'post', reasons: ['path'] }]);
    expect(json(r).rendered).toEqual(['/blog/hello-world/']);
    // Naming a listed page does not make it an on-demand page (exempt from listings).
    expect((await site.manifest()).pages['/blog/hello-world/'].onDemand).toBeUndefined();
  });

  it('writes a --path page again whose folder was deleted by hand', async () => {
    await fresh();
    const { rm } = await import('node:fs/promises');
    await rm(`${site.root}/dist/blog/hello-world`, { recursive: true });
    const r = await site.run(['regen', '--json', '--path', '/blog/hello-world/'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(json(r).written).toContain('blog/hello-world/index.html');
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('<h1>');
  });

  it('reads paths from a file (one per line, # comments and blank lines ignored)', async () => {
    await fresh();
    await site.write('paths.txt', '# from the CMS\n/blog/why-static/\n\n  /tags/ci  \n');
    const r = await site.run(['regen', '--json', '--paths-from', 'paths.txt'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(planned(r)).toEqual({ '/blog/why-static/': ['path'], '/tags/ci/': ['path'] });
  });

  it('reads paths from stdin with --paths-from -', async () => {
    await fresh();
    const r = await site.run(['regen', '--json', '--paths-from', '-', '--path', '/'], {
      now: at(1),
      input: '/feed.xml\r\n/blog/why-static\n',
    });
    expect(r.code).toBe(0);
    expect(planned(r)).toEqual({ '/': ['path'], '/feed.xml': ['path'], '/blog/why-static/': ['path'] });
  });

  it('refuses an unreadable --paths-from file with a usage error', async () => {
    await fresh();
    const r = await site.run(['regen', '--paths-from', 'missing.txt'], { now: at(1) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^isr: --paths-from missing\.txt: ENOENT: no such file or directory, open '.*missing\.txt' \(give a readable file with one path per line, or - for stdin\) \[USAGE\]\n$/,
    );
  });

  it('re-renders a post and every page showing it for its file tag', async () => {
    await fresh();
    const r = await site.run(['regen', '--json', '--tag', 'file:content/posts/hello-world.md'], { now: at(1) });
    expect(r.code).toBe(0);
    // The oldest post is on page 2 of the home page's list: page 1 does not show it.
    expect(byPath(planned(r))).toEqual(only(['/page/2/', '/blog/hello-world/', '/feed.xml', '/tags/isr/', '/tags/meta/'], 'tag'));
    expect(json(r).unmatchedTags).toBeUndefined();
    expect(json(r).plan.unmatchedTags).toEqual([]);
  });

  it('renders the post, index, feed and tag pages with the edit after a content change and --tag', async () => {
    await fresh();
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace('title: Hello, world', 'title: Hello again'));
    const r = await site.run(['regen', '--json', '--tag', `file:${file}`], { now: at(1) });
    expect(sorted(json(r).written)).toEqual([
      'blog/hello-world/index.html',
      'feed.xml',
      'page/2/index.html',
      'sitemap.xml',
      'tags/isr/index.html',
      'tags/meta/index.html',
    ]);
    for (const f of ['page/2/index.html', 'feed.xml', 'blog/hello-world/index.html', 'tags/isr/index.html']) {
      expect(await site.read(`dist/${f}`)).toContain('Hello again');
    }
    const sitemap = await site.read('dist/sitemap.xml');
    expect(sitemap).toContain(`<loc>https://blog.example.com/blog/hello-world/</loc><lastmod>${at(1)}</lastmod>`);
    expect(sitemap).toContain(`<loc>https://blog.example.com/blog/why-static/</loc><lastmod>${at(0)}</lastmod>`);
  });

  it('renders every page of a --route', async () => {
    await fresh();
    const r = await site.run(['regen', '--json', '--route', 'tag'], { now: at(1) });
    expect(byPath(planned(r))).toEqual(only(TAG_PAGES, 'route'));
  });

  it('renders every page with --all', async () => {
    await fresh();
    const r = await site.run(['regen', '--json', '--all'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(byPath(planned(r))).toEqual(only(['/', '/page/2/', '/404.html', '/feed.xml', ...POSTS, ...TAG_PAGES], 'all'));
    expect(json(r).written).toEqual([]);
  });

  it('refuses an unknown --route before rendering anything, even pages that are due', async () => {
    await fresh();
    const before = await snapshot(site.root);
    const r = await site.run(['regen', '--route', 'posts'], { now: at(3600) });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'isr: --route posts: no such route (routes are: home, post, tag, feed, 404, home-page) [USAGE]\n',
    });
    expect(await snapshot(site.root)).toEqual(before);
  });
});

describe('isr regen --dry-run', () => {
  it('prints what would render and why, and renders nothing', async () => {
    await fresh();
    await rm(path.join(site.root, 'content/posts/cron-in-ci.md'));
    const before = await snapshot(site.root);
    const r = await site.run(['regen', '--dry-run'], { now: at(3600) });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        ...['/', '/feed.xml', '/blog/hello-world/', '/blog/revalidate-explained/', '/blog/why-static/'],
        ...['/tags/guide/', '/tags/hosting/', '/tags/isr/', '/tags/meta/'],
      ]
        // The pages that list the folder also see the deletion itself (change detection).
        .map((p) => (p.startsWith('/blog/') ? `render ${p}  expired` : `render ${p}  changed, expired`))
        .concat(['remove /blog/cron-in-ci/  removed', 'remove /tags/ci/  removed', 'remove /page/2/  removed'])
        .concat([
          'list post  paths() run for this plan',
          'list tag  paths() run for this plan',
          'list home-page  paths() run for this plan',
        ])
        .sort(),
    );
    expect(await snapshot(site.root)).toEqual(before);
  });

  it('prints the plan as JSON with --json', async () => {
    await fresh();
    const before = await snapshot(site.root);
    const r = await site.run(['regen', '--dry-run', '--json', '--path', '/blog/new-one', '--path', '/oops/x/'], { now: at(600) });
    expect(r.code).toBe(1);
    expect(json(r)).toEqual({
      dryRun: true,
      // The home page's pages 2..n: due (600 s), so their listing is run again too.
      list: [{ route: 'home-page' }],
      render: [
        { path: '/blog/new-one/', route: 'post', reasons: ['path'] },
        { path: '/', route: 'home', reasons: ['expired'] },
        { path: '/page/2/', route: 'home-page', reasons: ['expired'] },
      ],
      remove: [],
      errors: [{ path: '/oops/x/', message: 'matches no route' }],
      unmatchedTags: [],
    });
    expect(await snapshot(site.root)).toEqual(before);
  });

  it('prints "nothing due" when nothing is', async () => {
    await fresh();
    expect(await site.run(['regen', '--dry-run'], { now: at(1) })).toEqual({ code: 0, stdout: 'nothing due\n', stderr: '' });
  });
});

describe('isr regen: template changes', () => {
  it('re-renders exactly the pages using an edited partial, with reason template-changed', async () => {
    await fresh();
    const partial = 'templates/partials/header.eta';
    await site.write(partial, (await site.read(partial)).replace('RSS</a></nav>', 'Feed</a></nav>'));
    const r = await site.run(['regen', '--json'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(byPath(planned(r))).toEqual(only(['/', '/page/2/', '/404.html', ...POSTS, ...TAG_PAGES], 'template-changed'));
    expect(sorted(json(r).written)).toEqual(
      sorted(
        ['index.html', '/page/2/', '404.html', ...POSTS, ...TAG_PAGES]
          .map((p) => (p.endsWith('/') ? `${p.slice(1)}index.html` : p.replace(/^\//, '')))
          .concat('sitemap.xml'),
      ),
    );
    expect(await site.read('dist/blog/why-static/index.html')).toContain('Feed</a></nav>');
    // Rendered with the new closure: a second regen has nothing to do.
    expect((await site.run(['regen'], { now: at(2) })).stderr).toBe('nothing due\n');
  });

  it('re-renders only the posts when post.eta changes', async () => {
    await fresh();
    await site.write('templates/post.eta', (await site.read('templates/post.eta')).replace('<article>', '<article class="post">'));
    const r = await site.run(['regen', '--json'], { now: at(1) });
    expect(byPath(planned(r))).toEqual(only(POSTS, 'template-changed'));
  });
});

describe('isr regen: content added, edited and deleted', () => {
  it('renders a new post as new, removes a deleted one from outDir and manifest, when the listing is due', async () => {
    await fresh();
    const edit = 'content/posts/why-static.md';
    await site.write(edit, (await site.read(edit)).replace('title: Why static hosting still wins', 'title: Static still wins'));
    await site.write('content/posts/new-post.md', '---\ntitle: A new post\ndate: 2026-05-15\ntags: [hosting, isr]\n---\nFresh.\n');
    await rm(path.join(site.root, 'content/posts/cron-in-ci.md'));
    const r = await site.run(['regen', '--json'], { now: at(3600) });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(byPath(planned(r))).toEqual(
      byPath({
        ...only(['/blog/hello-world/', '/blog/revalidate-explained/'], 'expired'),
        // Change detection sees the edit, the new file and the deletion: the edited post and
        // every page that lists the folder have that reason too.
        ...Object.fromEntries(
          ['/', '/page/2/', '/feed.xml', '/blog/why-static/', '/tags/guide/', '/tags/hosting/', '/tags/isr/', '/tags/meta/'].map((p) => [
            p,
            ['changed', 'expired'],
          ]),
        ),
        '/blog/new-post/': ['new'],
      }),
    );
    expect(out.plan.remove).toEqual([
      { path: '/blog/cron-in-ci/', file: 'blog/cron-in-ci/index.html', reason: 'removed' },
      { path: '/tags/ci/', file: 'tags/ci/index.html', reason: 'removed' },
    ]);
    expect(sorted(out.written)).toEqual([
      'blog/new-post/index.html',
      'blog/why-static/index.html',
      'feed.xml',
      'index.html',
      'sitemap.xml',
      'tags/guide/index.html',
      'tags/hosting/index.html',
      'tags/isr/index.html',
    ]);
    // Page 2 still shows the oldest post alone (the new post and the deleted one are on page 1).
    expect(sorted(out.unchanged)).toEqual([
      'blog/hello-world/index.html',
      'blog/revalidate-explained/index.html',
      'page/2/index.html',
      'tags/meta/index.html',
    ]);
    expect(sorted(out.removed)).toEqual(['blog/cron-in-ci/index.html', 'tags/ci/index.html']);
    const files = await listFiles(path.join(site.root, 'dist'));
    expect(files).not.toContain('blog/cron-in-ci/index.html');
    expect(existsSync(path.join(site.root, 'dist/blog/cron-in-ci'))).toBe(false);
    expect(existsSync(path.join(site.root, 'dist/tags/ci'))).toBe(false);
    expect(files).toContain('blog/new-post/index.html');
    const m = await site.manifest();
    expect(m.pages['/blog/cron-in-ci/']).toBeUndefined();
    expect(m.pages['/tags/ci/']).toBeUndefined();
    expect(m.pages['/blog/new-post/']).toMatchObject({ route: 'post', params: { slug: 'new-post' }, status: 'ok', builtAt: T0 + 3600_000 });
    expect(m.pages['/blog/new-post/'].onDemand).toBeUndefined();
    expect(m.pendingRemovals).toBeUndefined();
    expect(await site.read('dist/sitemap.xml')).not.toContain('cron-in-ci');
    expect(await site.read('dist/index.html')).toContain('<h2><a href="/blog/new-post/">A new post</a></h2>');
    expect(await site.read('dist/tags/hosting/index.html')).toContain('Static still wins');
  });

  it('removes a post deleted after it was regenerated by --path (named pages stay listed pages)', async () => {
    await fresh();
    expect((await site.run(['regen', '--path', '/blog/hello-world/', '--quiet'], { now: at(1) })).code).toBe(0);
    await rm(path.join(site.root, 'content/posts/hello-world.md'));
    const r = await site.run(['regen', '--json'], { now: at(3600) });
    // Three posts left: one page, so the home page's page 2 goes too.
    expect(json(r).plan.remove.map((x: { path: string }) => x.path)).toEqual(['/blog/hello-world/', '/page/2/', '/tags/meta/']);
    expect((await site.manifest()).pages['/blog/hello-world/']).toBeUndefined();
  });

  it('publishes a draft as soon as it is listed, even after a request recorded it as notFound', async () => {
    await fresh();
    const early = await site.run(['regen', '--json', '--path', '/blog/draft-notes/'], { now: at(1) });
    expect(json(early).rendered).toEqual([]); // notFound: not rendered
    expect((await site.manifest()).pages['/blog/draft-notes/']).toMatchObject({ status: 'notFound', onDemand: true });
    await site.write('content/posts/draft-notes.md', (await site.read('content/posts/draft-notes.md')).replace('draft: true\n', ''));
    const r = await site.run(['regen', '--json', '--tag', 'files:content/posts'], { now: at(2) });
    expect(r.code).toBe(0);
    expect(planned(r)['/blog/draft-notes/']).toEqual(['new', 'changed']);
    expect(json(r).written).toContain('blog/draft-notes/index.html');
    expect((await site.manifest()).pages['/blog/draft-notes/'].status).toBe('ok');
  });

  it('removes a page whose load says notFound (the post became a draft) and drops it from the sitemap', async () => {
    await fresh();
    const file = 'content/posts/why-static.md';
    await site.write(file, (await site.read(file)).replace('tags: [hosting]', 'tags: [hosting]\ndraft: true'));
    // --no-detect: what --path alone does (detection would re-render the listings too).
    const r = await site.run(['regen', '--json', '--no-detect', '--path', '/blog/why-static/'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(json(r).removed).toEqual(['blog/why-static/index.html']);
    expect(json(r).written).toEqual(['sitemap.xml']);
    expect(existsSync(path.join(site.root, 'dist/blog/why-static'))).toBe(false);
    const entry = (await site.manifest()).pages['/blog/why-static/'];
    expect(entry).toMatchObject({ route: 'post', status: 'notFound', builtAt: T0 + 1000 });
    expect(entry.file).toBeUndefined();
    expect(await site.read('dist/sitemap.xml')).not.toContain('why-static');
  });
});

describe('isr status', () => {
  it('summarises pages, what is due and the next expiry', async () => {
    await fresh();
    const r = await site.run(['status', '--json'], { now: at(600) });
    expect(r.code).toBe(0);
    expect(json(r)).toEqual({
      pages: 13,
      due: 2,
      nextExpiry: at(3600),
      overdueSince: at(600),
      failing: [],
      byStatus: { ok: 13 },
      pendingChanges: null,
    });
    const human = await site.run(['status'], { now: at(1) });
    expect(human).toEqual({ code: 0, stdout: `13 pages (13 ok)\n0 due now\nnext expiry: ${at(600)}\n`, stderr: '' });
  });

  it('regen without a manifest writes nothing, not even the state folder', async () => {
    await fresh();
    await rm(path.join(site.root, '.isr'), { recursive: true });
    const r = await site.run(['regen'], { now: at(1) });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/\[MANIFEST_MISSING\]\n$/);
    expect(existsSync(path.join(site.root, '.isr'))).toBe(false);
  });

  it('tells you to run isr build when there is no manifest', async () => {
    await fresh();
    await rm(path.join(site.root, '.isr'), { recursive: true });
    const r = await site.run(['status'], { now: at(1) });
    expect(r).toEqual({
      code: 6,
      stdout: '',
      stderr: 'isr: no manifest at .isr/manifest.json (run `isr build` first) [MANIFEST_MISSING]\n',
    });
  });
});

describe('isr regen: a route renamed in the config', () => {
  it('keeps the pages: the new route re-renders them in place, nothing is deleted', async () => {
    await fresh();
    const before = contents(await snapshot(site.root));
    const config = (await site.read('isr.config.mjs')).replace("name: 'post'", "name: 'article'");
    await site.write('isr.config.mjs', config);
    for (const t of ['index.eta', 'feed.eta', 'tag.eta']) {
      await site.write(`templates/${t}`, (await site.read(`templates/${t}`)).replaceAll("url('post'", "url('article'"));
    }
    const r = await site.run(['regen', '--json'], { now: at(1) });
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out.removed).toEqual([]);
    expect(out.plan.remove).toEqual([]);
    for (const p of POSTS) expect(planned(r)[p]).toEqual(['new', 'config-changed']);
    expect(out.written).toEqual([]);
    const m = await site.manifest();
    for (const p of POSTS) expect(m.pages[p].route).toBe('article');
    const after = contents(await snapshot(site.root));
    for (const f of Object.keys(before).filter((f) => f.startsWith('dist/'))) expect(after[f]).toBe(before[f]);
  });
});

describe('isr regen: config changes', () => {
  it('re-renders every page and rewrites _headers when a revalidate changed, even if no page bytes did', async () => {
    await fresh();
    await site.write('isr.config.mjs', (await site.read('isr.config.mjs')).replace('revalidate: 600,', 'revalidate: 300,'));
    const r = await site.run(['regen', '--json'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(Object.values(planned(r)).every((reasons) => reasons.join() === 'config-changed')).toBe(true);
    expect(Object.keys(planned(r))).toHaveLength(13);
    expect(json(r).written).toEqual(['_headers']);
    expect(await site.read('dist/_headers')).toContain('/\n  Cache-Control: public, max-age=0, s-maxage=300, stale-while-revalidate=300\n');
  });
});

describe('isr regen: a missing content folder', () => {
  it('stops with CONTENT_UNREADABLE instead of removing every post', async () => {
    await fresh();
    await rm(path.join(site.root, 'content'), { recursive: true });
    const before = await snapshot(site.root);
    const r = await site.run(['regen'], { now: at(3600) });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      'isr: cannot read content folder content/posts: it does not exist (check the folder exists and is readable (files({ dir }) is relative to the site root)) [CONTENT_UNREADABLE]\n',
    );
    expect(await snapshot(site.root)).toEqual(before);
  });
});
