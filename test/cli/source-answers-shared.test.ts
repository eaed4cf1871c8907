import { afterEach, describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 21 items 5 and 6, on fixtures/md-docs: a source's list() answered once per run however
// many pages ask, every page still recording what it read; a section page showing its children
// as derived objects ({ url, title }) declares them with track(entry).
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const json = (r: { stdout: string }) => JSON.parse(r.stdout);

let site: TempSite;
afterEach(() => site?.cleanup());
// A plain build (no --json): its stderr carries the fixture's `counted.list called` lines.
const built = builtOnce('md-docs', { now: T0, flags: [] });

describe('list() and get() answers shared within a run', () => {
  it('calls a source once per run however many pages call it, and every page still records its tags', async () => {
    const { site, result: r } = built;
    expect(r.code, r.stderr).toBe(0);
    // Four pages call sources.counted.list() (and sources.docs.list()) in load().
    expect(r.stderr.match(/counted\.list called/g)).toHaveLength(1);
    const pages = (await site.manifest()).pages;
    expect(Object.keys(pages).sort()).toEqual(['/docs/bundle/', '/docs/guide/', '/docs/guide/install/', '/docs/guide/usage/']);
    for (const [p, entry] of Object.entries<any>(pages)) expect(entry.tags, p).toContain('files:content');
    expect(pages['/docs/guide/usage/'].tags).toContain('file:content/guide/usage.md');
  });
});

describe('a listing of derived objects', () => {
  it('re-renders a section page when a child it shows as { url, title } changes, through track(entry)', async () => {
    const site = await built.copy();
    expect((await site.manifest()).pages['/docs/guide/'].tags).toEqual(
      expect.arrayContaining(['file:content/guide/install.md', 'file:content/guide/usage.md']),
    );
    await site.write('content/guide/usage.md', (await site.read('content/guide/usage.md')).replace('title: Usage', 'title: Using it'));
    const r = await site.run(['regen', '--json', '--no-detect', '--tag', 'file:content/guide/usage.md'], { now: T0 + 1000 });
    expect(r.code, r.stderr).toBe(0);
    // The section page (track(child)), the page itself, and install, whose Markdown links to it.
    expect(json(r).rendered.sort()).toEqual(['/docs/guide/', '/docs/guide/install/', '/docs/guide/usage/']);
    expect(await site.read('dist/docs/guide/index.html')).toContain('<a href="/docs/guide/usage/">Using it</a>');
  });

  it('stops the run (exit 5, one line, nothing published) when track() is given an object that is no entry', async () => {
    site = await tempSite('md-docs');
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace('for (const c of children) track(c);', 'for (const c of children) track({ ...c });'));
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    await expect(site.read('dist/docs/guide/install/index.html')).rejects.toThrow();
    expect(r.stderr).toContain(
      'route "/docs/:path*/": load() for /docs/guide/: track() was given an object that is not an entry a source returned',
    );
  });
});
