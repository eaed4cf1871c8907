import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { contents, json, planned, snapshot, sorted } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

// The example blog's index through paginate()/pageParams(): 3 posts a page, page 1 at /, pages
// 2..n at /page/:n/. Four published posts at first: / shows the three newest, /page/2/ the oldest.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const built = builtOnce('blog', { now: at(0) });
let site: TempSite;

const shown = async (s: TempSite, file: string) =>
  [...(await s.read(`dist/${file}`)).matchAll(/<h2><a href="\/blog\/([^/]+)\/">/g)].map((m) => m[1]);
const pager = async (s: TempSite, file: string) => {
  const html = await s.read(`dist/${file}`);
  return {
    label: /<span>(Page \d+ of \d+)<\/span>/.exec(html)?.[1],
    prev: /<a rel="prev" href="([^"]+)"/.exec(html)?.[1] ?? null,
    next: /<a rel="next" href="([^"]+)"/.exec(html)?.[1] ?? null,
  };
};
const post = (title: string, date: string) => `---\ntitle: ${title}\ndate: ${date}\ntags: [isr]\n---\nBody of ${title}.\n`;

describe('a paginated listing', () => {
  it('shows each page its slice, with the page count and prev/next links', async () => {
    expect(await shown(built.site, 'index.html')).toEqual(['cron-in-ci', 'revalidate-explained', 'why-static']);
    expect(await pager(built.site, 'index.html')).toEqual({ label: 'Page 1 of 2', prev: null, next: '/page/2/' });
    expect(await shown(built.site, 'page/2/index.html')).toEqual(['hello-world']);
    expect(await pager(built.site, 'page/2/index.html')).toEqual({ label: 'Page 2 of 2', prev: '/', next: null });
    expect(existsSync(path.join(built.site.root, 'dist/page/1'))).toBe(false);
  });

  it('records on each page exactly the entries it shows, plus the listing', async () => {
    const m = await built.site.manifest();
    const files = (p: string) => m.pages[p].tags.filter((t: string) => t.startsWith('file:'));
    expect(files('/')).toEqual([
      'file:content/posts/cron-in-ci.md',
      'file:content/posts/revalidate-explained.md',
      'file:content/posts/why-static.md',
    ]);
    expect(files('/page/2/')).toEqual(['file:content/posts/hello-world.md']);
    for (const p of ['/', '/page/2/']) expect(m.pages[p].tags).toContain('files:content/posts');
  });

  it('re-renders only the page showing an edited entry', async () => {
    site = await built.copy();
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace('title: Hello, world', 'title: Hello, page two'));
    // --no-detect: what --tag alone does (detection also re-renders every page that lists the folder).
    const r = await site.run(['regen', '--json', '--no-detect', '--tag', `file:${file}`], { now: at(1) });
    expect(r.code).toBe(0);
    expect(Object.keys(planned(r))).toContain('/page/2/');
    expect(Object.keys(planned(r))).not.toContain('/');
    expect(await site.read('dist/page/2/index.html')).toContain('Hello, page two');
  });

  it('shifts every page when a new entry arrives, and adds the page it needs', async () => {
    site = await built.copy();
    await site.write('content/posts/newest.md', post('Newest', '2026-05-20'));
    await site.write('content/posts/newer.md', post('Newer', '2026-05-10'));
    await site.write('content/posts/new.md', post('New', '2026-05-05'));
    // What a CMS webhook or a watcher sends when the collection changed.
    const r = await site.run(['regen', '--json', '--tag', 'files:content/posts'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(planned(r)['/page/3/']).toEqual(['new']);
    expect(sorted(json(r).written)).toEqual(expect.arrayContaining(['index.html', 'page/2/index.html', 'page/3/index.html']));
    expect(await shown(site, 'index.html')).toEqual(['newest', 'newer', 'new']);
    expect(await shown(site, 'page/2/index.html')).toEqual(['cron-in-ci', 'revalidate-explained', 'why-static']);
    expect(await shown(site, 'page/3/index.html')).toEqual(['hello-world']);
    expect(await pager(site, 'page/2/index.html')).toEqual({ label: 'Page 2 of 3', prev: '/', next: '/page/3/' });
    expect(await pager(site, 'page/3/index.html')).toEqual({ label: 'Page 3 of 3', prev: '/page/2/', next: null });
    expect((await site.manifest()).pages['/page/3/'].tags).toEqual(['file:content/posts/hello-world.md', 'files:content/posts']);
  });

  it('removes the last page when entries go, and the page before it loses its next link', async () => {
    site = await built.copy();
    const { rm } = await import('node:fs/promises');
    await rm(path.join(site.root, 'content/posts/why-static.md'));
    const r = await site.run(['regen', '--json', '--tag', 'files:content/posts'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(json(r).removed).toContain('page/2/index.html');
    expect(existsSync(path.join(site.root, 'dist/page/2'))).toBe(false);
    expect(await shown(site, 'index.html')).toEqual(['cron-in-ci', 'revalidate-explained', 'hello-world']);
    expect(await pager(site, 'index.html')).toEqual({ label: undefined, prev: null, next: null });
  });

  it('refuses a perPage of 0 in one line, exit 5, nothing written', async () => {
    site = await built.copy();
    await site.write('isr.config.mjs', (await site.read('isr.config.mjs')).replace('const PER_PAGE = 3;', 'const PER_PAGE = 0;'));
    const before = contents(await snapshot(site.root));
    const r = await site.run(['regen', '--all'], { now: at(1) });
    expect(r).toEqual({
      code: 5,
      stdout: '',
      stderr:
        'isr: paginate: perPage must be a whole number >= 1, got 0 (e.g. paginate(posts, { perPage: 10, page: params.n })) [BAD_LOAD_RESULT]\n',
    });
    expect(contents(await snapshot(site.root))).toEqual(before);
  });

  it('answers notFound for a page past the last one, writing nothing', async () => {
    site = await built.copy();
    const r = await site.run(['regen', '--json', '--path', '/page/9/'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(json(r).written).toEqual([]);
    expect(json(r).rendered).toEqual([]);
    expect((await site.manifest()).pages['/page/9/']).toMatchObject({ status: 'notFound' });
    expect(existsSync(path.join(site.root, 'dist/page/9'))).toBe(false);
  });
});
