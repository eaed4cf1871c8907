import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { contentPage, contentPaths, contentTree, prevNext, readingOrder } from '../../src/sources/content-tree.js';
import { type FilesOptions, files } from '../../src/sources/files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function site(tree: Record<string, string>, options: Partial<FilesOptions> = {}, timezone?: string) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isr-nested-'));
  dirs.push(root);
  for (const [name, text] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(root, 'content', name)), { recursive: true });
    writeFileSync(path.join(root, 'content', name), text);
  }
  const source = files({ dir: 'content', ...options });
  source.setup!({ root, cacheDir: root, now: new Date(0), log: () => {}, site: timezone ? { timezone } : {} });
  const ctx = { track: () => {}, now: new Date(0) };
  return { list: () => source.list!(ctx), get: (id: string) => source.get!({ ...ctx, id }) };
}

const fm = (data: string, body = 'Text') => `---\n${data}\n---\n${body}\n`;
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof IsrError) return `${err.code} ${err.toLine()}`;
    throw err;
  }
  throw new Error('expected an error');
};

describe('files(): nested content', () => {
  it('keeps folders in ids; index.md and _index.md are their folder entry, the top one is the home', async () => {
    const s = site({
      '_index.md': fm('title: Home'),
      'guides/_index.md': fm('title: Guides'),
      'guides/install/index.md': fm('title: Install'),
      'guides/install/linux.md': fm('title: Linux'),
    });
    const entries = await s.list();
    expect(entries.map((e) => [e.id, e.slug, e.url])).toEqual([
      ['', '', '/'],
      ['guides', 'guides', '/guides/'],
      ['guides/install', 'install', '/guides/install/'],
      ['guides/install/linux', 'linux', '/guides/install/linux/'],
    ]);
    expect((await s.get('guides/install'))?.html).toBe('<p>Text</p>\n');
    expect((await s.get(''))?.data.title).toBe('Home');
  });

  it('reads a date prefix as the date and the slug, and fills date placeholders in the site time zone', async () => {
    const posts = {
      // 20:00 in Los Angeles is 03:00 the next day in UTC: Jekyll's URL uses the site's day.
      '2024-05-01-late-post.md': fm('title: Late\ndate: 2024-05-01 20:00:00 -0700'),
      '2024-06-10-plain.md': fm('title: Plain'),
    };
    const utc = site(posts, { permalink: '/:year/:month/:day/:title/' });
    expect((await utc.list()).map((e) => [e.id, e.slug, e.url, e.data.date])).toEqual([
      ['2024-05-01-late-post', 'late-post', '/2024/05/02/late-post/', '2024-05-01 20:00:00 -0700'],
      ['2024-06-10-plain', 'plain', '/2024/06/10/plain/', '2024-06-10'],
    ]);
    const la = site(posts, { permalink: '/:year/:month/:day/:title/' }, 'America/Los_Angeles');
    expect((await la.list()).map((e) => e.url)).toEqual(['/2024/05/01/late-post/', '/2024/06/10/plain/']);
  });

  it('lets front matter permalink or url set the URL, and aliases or redirect_from redirect to it', async () => {
    const s = site({
      'a.md': fm('title: A\npermalink: /about/\nredirect_from: [/old-about/, /info.html]'),
      'b/c.md': '+++\ntitle = "C"\nurl = "/see/:slug"\naliases = ["/b/old-c/"]\n+++\nC\n',
    });
    const entries = await s.list();
    expect(entries.map((e) => [e.url, e.aliases])).toEqual([
      ['/about/', ['/old-about/', '/info.html']],
      ['/see/c/', ['/b/old-c/']],
    ]);
    expect(contentPaths(entries)).toEqual(['/about/', '/old-about/', '/info.html', '/see/c/', '/b/old-c/']);
    expect(contentPage(entries, '/info.html')).toEqual({ redirect: '/about/' });
    expect(contentPage(entries, '/see/c/')).toEqual({ entry: entries[1] });
    expect(contentPage(entries, '/nope/')).toBeUndefined();
  });

  it('leaves drafts out of list() unless asked, and get() still reads them', async () => {
    const tree = { 'a.md': fm('title: A'), 'b.md': fm('title: B\ndraft: true'), 'c.md': fm('title: C\npublished: false') };
    expect((await site(tree).list()).map((e) => e.id)).toEqual(['a']);
    expect((await site(tree, { drafts: true }).list()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect((await site(tree).get('b'))?.data.title).toBe('B');
  });

  it('builds the sidebar tree by weight, then title, and reading order for prev/next', async () => {
    const s = site({
      'guides/_index.md': fm('title: Guides\nweight: 1'),
      'guides/zeta.md': fm('title: Zeta\nweight: 1'),
      'guides/alpha.md': fm('title: Alpha'),
      'reference/_index.md': fm('title: Reference\nweight: 2'),
      'reference/cli.md': fm('title: CLI'),
      'about.md': fm('title: About'),
    });
    const entries = await s.list();
    const tree = contentTree(entries);
    expect(tree.children.map((n) => [n.title, n.url, n.children.map((c) => c.title)])).toEqual([
      ['Guides', '/guides/', ['Zeta', 'Alpha']],
      ['Reference', '/reference/', ['CLI']],
      ['About', '/about/', []],
    ]);
    expect(readingOrder(entries).map((e) => e.id)).toEqual([
      'guides',
      'guides/zeta',
      'guides/alpha',
      'reference',
      'reference/cli',
      'about',
    ]);
    const { prev, next } = prevNext(entries, 'reference');
    expect([prev?.id, next?.id]).toEqual(['guides/alpha', 'reference/cli']);
  });

  it('refuses a permalink or alias that leaves the site, at its line', async () => {
    expect(await failure(site({ 'x.md': fm('title: X\npermalink: /a/../../etc/') }).list())).toBe(
      'FRONT_MATTER content/x.md:3: permalink "/a/../../etc/" gives "/a/../../etc/", which has a "." or ".." segment, which would leave its folder (give permalink a path inside the site, e.g. "/guides/install/")',
    );
    expect(await failure(site({ 'y.md': fm('title: Y\naliases:\n  - //evil.example/') }).list())).toBe(
      'FRONT_MATTER content/y.md:3: aliases entry "//evil.example/" is not a path inside the site (start it with one "/") (give aliases a path inside the site, e.g. "/guides/install/")',
    );
  });

  it('refuses two files that are one entry or take one URL, naming both', async () => {
    expect(await failure(site({ 'guides.md': fm('title: G'), 'guides/index.md': fm('title: G2') }).list())).toBe(
      'CONTENT_CLASH content/guides/index.md: content/guides.md and content/guides/index.md are both the entry "guides" (keep one of them (a folder\'s index file is the folder\'s entry))',
    );
    expect(await failure(site({ 'a.md': fm('title: A'), 'b.md': fm('title: B\npermalink: /a/') }).list())).toBe(
      'CONTENT_CLASH content/b.md: content/b.md takes the URL /a/, which content/a.md has (give each page its own permalink and aliases)',
    );
  });
});

describe('files(): keys that are data, not page settings', () => {
  it("reads a data file's url and aliases as its data, and a Markdown url that is not a path too", async () => {
    const s = site({
      'authors/jane.json': '{ "name": "Jane", "url": "https://jane.example", "aliases": ["JJ"] }',
      'links/tool.md': fm('title: A tool\nurl: https://tool.example/'),
    });
    const [jane, tool] = await s.list();
    expect([jane?.url, jane?.aliases, jane?.data.url]).toEqual(['/authors/jane/', undefined, 'https://jane.example']);
    expect([tool?.url, tool?.data.url]).toEqual(['/links/tool/', 'https://tool.example/']);
  });
});
