import { afterEach, describe, expect, it } from 'vitest';
import { loadReason } from '../../src/run/execute-plan.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const REASON = /<meta name="isr-reason" content="([a-z-]+)">/;

describe('load() is told why it runs (ctx.reason)', () => {
  it('gives the first of fallback, on-demand, changed, template-changed, config-changed, retry, expired, new, build', () => {
    expect(loadReason(['build'], false)).toBe('build');
    expect(loadReason(['new'], false)).toBe('new');
    expect(loadReason(['expired'], false)).toBe('expired');
    expect(loadReason(['expired', 'retry'], false)).toBe('retry');
    expect(loadReason(['changed', 'expired'], false)).toBe('changed');
    expect(loadReason(['template-changed', 'config-changed'], false)).toBe('template-changed');
    expect(loadReason(['config-changed'], false)).toBe('config-changed');
    for (const named of ['path', 'tag', 'route', 'all'] as const) expect(loadReason([named, 'changed'], false)).toBe('on-demand');
    expect(loadReason(['path'], true)).toBe('fallback');
  });

  describe('through the CLI', () => {
    let site: TempSite;
    afterEach(() => site?.cleanup());

    // The example blog, its post pages printing the reason their load() was given.
    async function reasonSite(): Promise<TempSite> {
      site = await tempSite('blog');
      const config = await site.read('isr.config.mjs');
      await site.write(
        'isr.config.mjs',
        config.replace(
          'load: async ({ params, sources }) => {\n        const post = await sources.posts.get(params.slug);',
          'load: async ({ params, sources, reason }) => {\n        const post = await sources.posts.get(params.slug);\n        if (post) post.data = { ...post.data, reason };',
        ),
      );
      const tpl = await site.read('templates/post.eta');
      await site.write(
        'templates/post.eta',
        tpl.replace('<article>', '<article><meta name="isr-reason" content="<%= it.post.data.reason %>">'),
      );
      return site;
    }
    const reasonOf = async (p: string) => REASON.exec(await site.read(`dist${p}index.html`))?.[1];

    it('build, expired, changed, on-demand and fallback, each where it applies', async () => {
      await reasonSite();
      expect((await site.run(['build'], { now: T0 })).code).toBe(0);
      expect(await reasonOf('/blog/hello-world/')).toBe('build');

      // Past the site's 3600 s window.
      expect((await site.run(['regen'], { now: T0 + 3601_000 })).code).toBe(0);
      expect(await reasonOf('/blog/hello-world/')).toBe('expired');

      await site.write(
        'content/posts/hello-world.md',
        (await site.read('content/posts/hello-world.md')).replace(/title: .*/, 'title: Edited'),
      );
      expect((await site.run(['regen'], { now: T0 + 3602_000 })).code).toBe(0);
      expect(await reasonOf('/blog/hello-world/')).toBe('changed');

      expect((await site.run(['regen', '--path', '/blog/hello-world/'], { now: T0 + 3603_000 })).code).toBe(0);
      expect(await reasonOf('/blog/hello-world/')).toBe('on-demand');

      // A new post the listing has not seen yet (not due; detection off), named: its first render.
      await site.write('content/posts/unlisted.md', '---\ntitle: Unlisted\ndate: 2026-01-01\n---\nHi.\n');
      expect((await site.run(['regen', '--no-detect', '--path', '/blog/unlisted/'], { now: T0 + 3604_000 })).code).toBe(0);
      expect(await reasonOf('/blog/unlisted/')).toBe('fallback');
    });
  });
});
