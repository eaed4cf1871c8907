import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listFiles, sorted } from '../helpers/files.js';
import { siteFrom, type TempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');

/** A Jekyll blog as docs/migrating.md moves it: _posts, the default date permalink, the site's zone. */
function jekyllSite(timezone: string): Promise<TempSite> {
  return siteFrom('jekyll', {
    'isr.config.mjs': `import { contentPage, contentPaths, defineConfig, files } from 'static-isr';
export default defineConfig({
  site: { title: 'J', timezone: ${JSON.stringify(timezone)} },
  sources: { posts: files({ dir: '_posts', permalink: '/:year/:month/:day/:title.html' }) },
  routes: [{
    path: '/:year/:month/:day/:title.html',
    template: 'post.eta',
    paths: async ({ sources }) => contentPaths(await sources.posts.list()),
    load: async ({ path, sources }) => {
      const found = contentPage(await sources.posts.list(), path);
      if (!found) return { notFound: true };
      if ('redirect' in found) return { redirect: found.redirect };
      return { props: { post: await sources.posts.get(found.entry.id) } };
    },
  }],
});
`,
    'templates/post.eta': '<h1><%= it.post.data.title %></h1><%~ it.post.html %>',
    // 20:00 in Los Angeles on May 1st is 03:00 UTC on May 2nd: Jekyll puts it under /2024/05/01/.
    '_posts/2024-05-01-evening.md': '---\ntitle: Evening\ndate: 2024-05-01 20:00:00 -0700\n---\nLate.\n',
    '_posts/2024-06-10-noon.md': '---\ntitle: Noon\n---\nMidday.\n',
    '_posts/2024-06-11-unpublished.md': '---\ntitle: Hidden\npublished: false\n---\nNo.\n',
  });
}

describe('a Jekyll blog moved as docs/migrating.md says', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());

  it("keeps Jekyll's URLs, the day taken in the site's time zone, and leaves published: false out", async () => {
    site = await jekyllSite('America/Los_Angeles');
    const r = await site.run(['build'], { now: T0 });
    expect(r.stderr).toMatch(/^built 2 pages/);
    expect(r.code).toBe(0);
    expect(sorted(await listFiles(path.join(site.root, 'dist'))).filter((f) => f.endsWith('.html'))).toEqual([
      '2024/05/01/evening.html',
      '2024/06/10/noon.html',
    ]);
    expect(await site.read('dist/2024/05/01/evening.html')).toContain('<h1>Evening</h1>');
  });

  it('gives the UTC day in a UTC site', async () => {
    site = await jekyllSite('UTC');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    expect(await site.read('dist/2024/05/02/evening.html')).toContain('<h1>Evening</h1>');
  });
});
