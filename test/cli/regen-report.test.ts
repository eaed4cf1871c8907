import { describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { json, snapshot } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

/**
 * What regen reports: a bad --path is a usage error, a page whose load said notFound is reported
 * removed (not rendered), and a dry run names the route listings it ran to make its plan.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const built = builtOnce('blog', { now: T0 });
let site: TempSite;

describe('isr regen --path', () => {
  it('refuses a path without a leading slash as a bad flag value: exit 2, one line, nothing run', async () => {
    site = await built.copy();
    const before = await snapshot(site.root);
    const r = await site.run(['regen', '--path', 'docs/x/'], { now: T0 + 1000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('isr: --path docs/x/: must start with "/" (give a URL path such as /blog/hello/) [USAGE]\n');
    expect(await snapshot(site.root)).toEqual(before);
  });
});

describe('a page whose load says notFound', () => {
  it('is reported removed, not rendered', async () => {
    site = await built.copy();
    const text = await site.read('content/posts/hello-world.md');
    await site.write('content/posts/hello-world.md', text.replace('title:', 'draft: true\ntitle:'));
    const r = await site.run(['regen', '--json', '--no-detect', '--path', '/blog/hello-world/'], { now: T0 + 1000 });
    expect(r.code).toBe(0);
    expect(json(r).rendered).toEqual([]);
    expect(json(r).removed).toEqual(['blog/hello-world/index.html']);
  });

  it('is not counted as rendered in the human summary', async () => {
    site = await built.copy();
    const text = await site.read('content/posts/hello-world.md');
    await site.write('content/posts/hello-world.md', text.replace('title:', 'draft: true\ntitle:'));
    const r = await site.run(['regen', '--no-detect', '--path', '/blog/hello-world/'], { now: T0 + 1000 });
    expect(r.stderr).toMatch(/^regenerated 0 pages in [\d.]+s: \d+ written, 0 unchanged, 1 removed, 0 failed$/m);
  });
});

describe('isr regen --dry-run', () => {
  it('names the due route listings it ran, in --json', async () => {
    const r = await built.site.run(['regen', '--dry-run', '--json'], { now: T0 + 3601_000 });
    expect(r.code).toBe(0);
    expect(json(r).list).toEqual([{ route: 'post' }, { route: 'tag' }, { route: 'home-page' }]);
  });

  it('names them in the human plan, and none when no listing is due', async () => {
    const due = await built.site.run(['regen', '--dry-run'], { now: T0 + 3601_000 });
    expect(due.stdout.split('\n').filter((l) => l.startsWith('list '))).toEqual([
      'list post  paths() run for this plan',
      'list tag  paths() run for this plan',
      'list home-page  paths() run for this plan',
    ]);
    const fresh = await built.site.run(['regen', '--dry-run', '--json'], { now: T0 + 1000 });
    expect(json(fresh).list).toEqual([]);
  });

  it('says when a listing it ran failed', async () => {
    site = await built.copy();
    const config = await site.read('isr.config.mjs');
    await site.write(
      'isr.config.mjs',
      config.replace(
        'paths: async ({ sources }) => {\n        const tags',
        "paths: async ({ sources }) => {\n        throw new Error('tags down');\n        const tags",
      ),
    );
    const r = await site.run(['regen', '--dry-run', '--json', '--route', 'tag'], { now: T0 + 1000 });
    // (The config changed, so every listing is due.)
    expect(json(r).list).toEqual([{ route: 'post' }, { route: 'tag', error: 'paths() of tag failed: tags down' }, { route: 'home-page' }]);
  });
});
