import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// What every page of the example blog (= the starter `isr init` writes) carries for browsers,
// search engines and feed readers: lang, a description, a canonical URL; a self-describing feed.
const T0 = '2026-06-01T00:00:00.000Z';
const head = (html: string) => html.slice(0, html.indexOf('</head>'));
const meta = (html: string) => /<meta name="description" content="([^"]*)">/.exec(html)?.[1];
const canonical = (html: string) => /<link rel="canonical" href="([^"]*)">/.exec(html)?.[1];

describe('the starter pages', () => {
  let site: TempSite;
  beforeAll(async () => {
    site = await tempSite('blog');
    const r = await site.run(['build', '--quiet'], { now: T0 });
    if (r.code !== 0) throw new Error(`fixture build failed: ${r.stderr}`);
  });
  afterAll(() => site.cleanup());

  it('set <html lang> from site.lang, and en without it', async () => {
    expect(await site.read('dist/index.html')).toMatch(/^<!doctype html>\n<html lang="en">\n/);
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace("lang: 'en',", "lang: 'fr',"));
    expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
    expect(await site.read('dist/blog/why-static/index.html')).toContain('<html lang="fr">');
    await site.write('isr.config.mjs', config.replace("    lang: 'en',\n", ''));
    expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
    expect(await site.read('dist/blog/why-static/index.html')).toContain('<html lang="en">');
    await site.write('isr.config.mjs', config);
    expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
  });

  it('describe each page: a post by its front matter description, else an excerpt of its text', async () => {
    expect(meta(await site.read('dist/index.html'))).toBe('Fresh static pages without full rebuilds.');
    expect(meta(await site.read('dist/blog/why-static/index.html'))).toBe(
      'Static files on a CDN are fast, cheap and hard to break; the hard part was keeping them fresh.',
    );
    // hello-world has no description: its text, tags stripped, cut at a word within 160 characters.
    const excerpt = meta(await site.read('dist/blog/hello-world/index.html'))!;
    expect(excerpt).toMatch(/^This blog is built by isr: static files, regenerated when they are due\. Edit a post and run isr regen .*…$/);
    expect(excerpt.length).toBeLessThanOrEqual(161);
    expect(meta(await site.read('dist/tags/isr/index.html'))).toBe('Posts tagged #isr on The isr example blog.');
  });

  it('name their canonical URL with site.url (but the 404 page, which has none)', async () => {
    expect(canonical(await site.read('dist/index.html'))).toBe('https://blog.example.com/');
    expect(canonical(await site.read('dist/page/2/index.html'))).toBe('https://blog.example.com/page/2/');
    expect(canonical(await site.read('dist/blog/hello-world/index.html'))).toBe('https://blog.example.com/blog/hello-world/');
    expect(canonical(await site.read('dist/404.html'))).toBeUndefined();
    for (const f of ['index.html', 'blog/hello-world/index.html', '404.html']) {
      expect(head(await site.read(`dist/${f}`)), f).toMatch(/<link rel="stylesheet" href="\/style\.css\?v=[\w-]+">/);
    }
  });

  it('have an RSS feed that names itself (atom:link rel=self) and describes every item', async () => {
    const feed = await site.read('dist/feed.xml');
    expect(feed).toContain('<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">');
    expect(feed).toContain('<atom:link href="https://blog.example.com/feed.xml" rel="self" type="application/rss+xml"/>');
    const items = [...feed.matchAll(/<item>([\s\S]*?)<\/item>/g)].map((m) => m[1]!);
    expect(items).toHaveLength(4);
    const descriptions = items.map((i) => /<description>([^<]+)<\/description>/.exec(i)?.[1]);
    expect(descriptions[0]).toBe(
      'A scheduled CI job keeps a static site fresh by restoring the output, regenerating what is due and uploading what changed.',
    );
    expect(descriptions[3]).toMatch(/^This blog is built by isr: static files/);
  });
});
