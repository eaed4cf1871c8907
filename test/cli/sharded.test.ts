import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOG_SITEMAP_PAGES } from '../helpers/blog.js';
import { builtOnce } from '../helpers/built-once.js';
import { listFiles, snapshot, sorted } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// The example blog with its manifest split in many shards (ISR_PAGES_PER_SHARD=2 gives 8 for its
// 12 pages), as a large site's is: a regen reads and rewrites only the shards it touches.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const env = { ISR_PAGES_PER_SHARD: '2' };

// Built once; the tests of the first describe build on it in order (regen, regen, then a build).
const built = builtOnce('blog', { now: at(0), env });

const shardFiles = () => listFiles(`${built.site.root}/.isr/manifest-pages`);

describe('a site whose manifest is split in shards', () => {
  it('writes a head, one file per shard, and a sitemap index of one sitemap per shard', async () => {
    const head = JSON.parse(await built.site.read('.isr/manifest.json'));
    expect(head.shardBits).toBe(3);
    expect(await shardFiles()).toEqual(sorted(Object.values<{ file: string }>(head.shards).map((s) => s.file)));
    expect(Object.values<{ pages: number }>(head.shards).reduce((n, s) => n + s.pages, 0)).toBe(
      Object.keys((await built.site.manifest()).pages).length,
    );
    const index = await built.site.read('dist/sitemap.xml');
    expect(index).toContain('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    const children = [...index.matchAll(/<loc>https:\/\/blog\.example\.com\/(sitemap-[0-9a-f]+\.xml)<\/loc>/g)].map((m) => m[1]!);
    expect(sorted(children)).toEqual((await listFiles(`${built.site.root}/dist`)).filter((f) => /^sitemap-/.test(f)));
    const urls: string[] = [];
    for (const c of children) urls.push(...[...(await built.site.read(`dist/${c}`)).matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!));
    expect(sorted(urls)).toEqual(sorted(BLOG_SITEMAP_PAGES.map((p) => `https://blog.example.com${p}`)));
  });

  it('regen --path of an edited post rewrites its page, its shard, its shard sitemap and the index: nothing else', async () => {
    await built.site.write(
      'content/posts/hello-world.md',
      (await built.site.read('content/posts/hello-world.md')).replace('This blog is built', 'This blog, edited, is built'),
    );
    const before = await snapshot(built.site.root);
    const r = await built.site.run(['regen', '--no-detect', '--path', '/blog/hello-world/', '--json'], { now: at(60), env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const shard = out.written.find((f: string) => /^sitemap-/.test(f));
    expect(sorted(out.written)).toEqual(sorted(['blog/hello-world/index.html', shard, 'sitemap.xml']));
    const after = await snapshot(built.site.root);
    const changed = Object.keys(after).filter((f) => !before[f] || before[f]!.ino !== after[f]!.ino || before[f]!.text !== after[f]!.text);
    const gone = Object.keys(before).filter((f) => !after[f]);
    // One shard file replaced (new generation), the head, and the three output files.
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatch(/^\.isr\/manifest-pages\/[0-9a-f]\.1\.json$/);
    expect(sorted(changed)).toEqual(
      sorted([
        '.isr/manifest.json',
        gone[0]!.replace(/\.1\.json$/, '.2.json'),
        'dist/blog/hello-world/index.html',
        `dist/${shard}`,
        'dist/sitemap.xml',
      ]),
    );
    expect((await built.site.manifest()).pages['/blog/hello-world/'].builtAt).toBe(T0 + 60_000);
  });

  it('a later regen --tag (every shard read) and a regen with nothing due agree with the pages', async () => {
    const r = await built.site.run(['regen', '--no-detect', '--tag', 'file:content/posts/hello-world.md', '--json'], { now: at(120), env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rendered).toContain('/blog/hello-world/');
    expect(out.rendered).toContain('/page/2/'); // the home page's list shows the oldest post on page 2
    const before = await snapshot(built.site.root);
    expect(await built.site.run(['regen', '--no-detect'], { now: at(130), env })).toEqual({ code: 0, stdout: '', stderr: 'nothing due\n' });
    expect(await snapshot(built.site.root)).toEqual(before);
  });

  it('a build with the default split joins the shards back into one and drops the shard sitemaps', async () => {
    const sitemapsBefore = (await listFiles(`${built.site.root}/dist`)).filter((f) => /^sitemap-/.test(f));
    expect(sitemapsBefore.length).toBeGreaterThan(1);
    const r = await built.site.run(['build', '--json'], { now: at(200) });
    expect(r.code).toBe(0);
    expect(await shardFiles()).toEqual(['0.4.json']);
    expect((await listFiles(`${built.site.root}/dist`)).filter((f) => /^sitemap/.test(f))).toEqual(['sitemap.xml']);
    expect(await built.site.read('dist/sitemap.xml')).toContain('<urlset');
    expect(sorted(JSON.parse(r.stdout).removed)).toEqual(sitemapsBefore);
  });
});

// A regen of named pages reads only their lines of each shard and splices the new ones in
// (manifest/shard-patch.ts). The same steps on a twin site with ISR_SHARD_PATCH=0 (every shard
// read and written whole) must leave every byte of the output and the manifest the same.
describe('a regen of named pages, shards read in part', () => {
  let a: TempSite;
  let b: TempSite;
  beforeAll(async () => {
    [a, b] = await Promise.all([tempSite('blog'), tempSite('blog')]);
    for (const s of [a, b]) {
      const r = await s.run(['build', '--quiet'], { now: at(0), env });
      if (r.code !== 0) throw new Error(`fixture build failed: ${r.stderr}`);
    }
  });
  afterAll(async () => {
    await a.cleanup();
    await b.cleanup();
  });

  const texts = async (s: TempSite) => Object.fromEntries(Object.entries(await snapshot(s.root)).map(([f, st]) => [f, st.text]));
  /** Apply `edit` to both, run the regen, compare; the patched side's debug line is returned. */
  async function step(args: string[], seconds: number, edit?: (s: TempSite) => Promise<void>): Promise<string> {
    for (const s of [a, b]) await edit?.(s);
    const ra = await a.run(['regen', '--no-detect', ...args, '--debug'], { now: at(seconds), env });
    const rb = await b.run(['regen', '--no-detect', ...args], { now: at(seconds), env: { ...env, ISR_SHARD_PATCH: '0' } });
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    expect(await texts(a)).toEqual(await texts(b));
    return /manifest: (\d+) of (\d+) rewritten shard\(s\) patched/.exec(ra.stderr)?.slice(1).join('/') ?? 'none';
  }
  const editPost = (slug: string, words: string) => async (s: TempSite) =>
    s.write(`content/posts/${slug}.md`, (await s.read(`content/posts/${slug}.md`)).replace(/\n---\n/, `\n---\n${words} `));

  // cron-in-ci shares its shard with another post (ISR_PAGES_PER_SHARD=2).
  it("right after a build every page ties for the shard's next expiry: the shard is written whole", async () => {
    expect(await step(['--path', '/blog/cron-in-ci/'], 60, editPost('cron-in-ci', 'First edit.'))).toBe('0/1');
  });

  it('an edited post is patched into its shard, its sitemap and the index, as the whole path writes them', async () => {
    expect(await step(['--path', '/blog/cron-in-ci/'], 120, editPost('cron-in-ci', 'Second edit.'))).toBe('1/1');
    expect(await a.read('dist/blog/cron-in-ci/index.html')).toContain('Second edit.');
  });

  it('a --tag that renders a post and the listing pages that show it', async () => {
    const patched = await step(['--tag', 'file:content/posts/cron-in-ci.md'], 180, editPost('cron-in-ci', 'Third edit.'));
    expect(patched).toMatch(/^\d+\/\d+$/);
    expect(await a.read('dist/index.html')).toContain('cron-in-ci');
  });

  it('a shard sitemap deleted by hand is written again in full', async () => {
    const index = await a.read('dist/sitemap.xml');
    const children = [...index.matchAll(/(sitemap-[0-9a-f]+\.xml)/g)].map((m) => m[1]!);
    let child = '';
    for (const c of children) if ((await a.read(`dist/${c}`)).includes('/blog/cron-in-ci/')) child = c;
    const { rmSync } = await import('node:fs');
    const patched = await step(['--path', '/blog/cron-in-ci/'], 240, async (s) => {
      await editPost('cron-in-ci', 'Fourth edit.')(s);
      rmSync(`${s.root}/dist/${child}`);
    });
    expect(patched).toBe('1/1');
    expect(await a.read(`dist/${child}`)).toContain('/blog/cron-in-ci/');
  });

  it('a shard read whole (--route) with a page or two changed is patched too', async () => {
    // The 404 page never expires, so its new entry leaves the shard's next expiry where it was.
    // (A page rendered because it was due held that expiry: its shard is written whole. The home
    // page's pages 2..n are due with it and so is their listing, so every shard is read whole
    // and none is patched: no patch line at all.)
    expect(await step(['--route', '404'], 330)).toBe('1/1');
    expect(await step([], 300 + 601)).toBe('none');
  });

  it('a page named for the first time (on demand) is added by rewriting its shard whole', async () => {
    const post = (await a.read('content/posts/cron-in-ci.md')).replace(/title: .*/, 'title: Brand new');
    expect(await step(['--path', '/blog/brand-new/'], 960, (s) => s.write('content/posts/brand-new.md', post))).toMatch(/^0\//);
    expect((await a.manifest()).pages['/blog/brand-new/'].status).toBe('ok');
  });
});
