import { describe, expect, it } from 'vitest';
import type { Manifest, PageEntry } from '../../src/manifest/manifest.js';
import { prepareShards } from '../../src/manifest/prepare-shards.js';
import { hashTag, readTagFilter, shardOf, tagFilter } from '../../src/manifest/shards.js';
import { type PageRef, type PlanOptions, type PlanRoute, planListings, planRegen } from '../../src/plan/plan-regen.js';
import { shardsToLoad } from '../../src/plan/shards-to-load.js';
import { compilePattern } from '../../src/routes/pattern.js';
import type { Revalidate } from '../../src/types.js';

// A run loads only some shards of the manifest and plans over them: the plan must be exactly the
// plan over every page, and "nothing due" may be said only when that plan is empty.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600_000;

function route(name: string, pattern: string, template: string, listRevalidate: Revalidate = 3600): PlanRoute {
  const p = compilePattern(pattern);
  return { name, template, dynamic: p.names.length > 0, source: pattern, listRevalidate, match: (u) => p.match(u) };
}
const ROUTES = [route('home', '/', 'index.eta'), route('about', '/about/', 'index.eta'), route('post', '/blog/:slug/', 'post.eta', false)];
const HASHES = new Map([
  ['index.eta', 'h-index'],
  ['post.eta', 'h-post'],
]);
const FACTS = new Map(ROUTES.map((r) => [r.name, { revalidate: 3600 as const, sitemap: true }]));

function page(routeName: string, over: Partial<PageEntry> = {}): PageEntry {
  return {
    route: routeName,
    builtAt: T0,
    changedAt: T0,
    revalidate: false,
    status: 'ok',
    templateHash: routeName === 'post' ? 'h-post' : 'h-index',
    ...over,
  };
}

/** A calm site of `n` posts plus the fixed pages. */
function calm(n = 40): Record<string, PageEntry> {
  const pages: Record<string, PageEntry> = { '/': page('home'), '/about/': page('about') };
  for (let i = 0; i < n; i++) pages[`/blog/p${i}/`] = page('post', { params: { slug: `p${i}` } });
  return pages;
}

function site(pages: Record<string, PageEntry>, over: Partial<Manifest> = {}): Manifest {
  return {
    version: 2,
    generator: 'test',
    updatedAt: T0,
    configHash: 'c1',
    templates: {},
    routes: { post: { listedAt: T0, listRevalidate: false } },
    pages,
    ...over,
  };
}

/** The manifest as a run opens it: split in shards (4 pages each), head only. */
function opened(m: Manifest): Manifest {
  const full = structuredClone(m);
  const w = prepareShards(full, { dirty: 'all', routes: FACTS, pagesPerShard: 4 });
  return { ...structuredClone(m), pages: {}, shards: { ...w.table, loaded: new Set() } };
}

function plan(m: Manifest, options: PlanOptions, now: number, templateHashes = HASHES) {
  const toList = planListings(m, ROUTES, options, 'c1', now);
  const listings = new Map<string, PageRef[]>();
  for (const name of toList) {
    const r = ROUTES.find((x) => x.name === name)!;
    const refs = Object.entries(m.pages)
      .filter(([, e]) => e.route === name)
      .map(([path, e]) => ({ path, route: name, params: e.params ?? {} }));
    listings.set(name, r.dynamic ? refs : [{ path: r.source, route: name, params: {} }]);
  }
  const p = planRegen({ manifest: m, routes: ROUTES, listings, templateHashes, configHash: 'c1', options, now });
  const sort = <T extends { path: string }>(xs: T[]) => [...xs].sort((a, b) => a.path.localeCompare(b.path));
  return { ...p, render: sort(p.render), remove: sort(p.remove) };
}

/** Load what shardsToLoad asks for, then plan: must equal planning over every page. */
function check(full: Manifest, options: PlanOptions, now: number, templateHashes = HASHES) {
  const head = opened(full);
  const need = shardsToLoad({ manifest: head, routes: ROUTES, templateHashes, configHash: 'c1', options, now });
  const bits = head.shards!.bits;
  // A shard in `entriesOnly` gives only its entries under a named key or with a named tag (what
  // manifest/shard-patch.ts reads of it); any other shard asked for gives all its entries.
  const only = need.entriesOnly;
  const given = ([p, e]: [string, PageEntry]) => {
    if (need.shards === 'all') return true;
    const id = shardOf(p, bits);
    if (!need.shards.has(id)) return false;
    return !only?.ids.has(id) || only.keys.has(p) || (e.tags ?? []).some((t) => only.tags.includes(t));
  };
  const partial = { ...head, pages: Object.fromEntries(Object.entries(full.pages).filter(given)) };
  const expected = plan(full, options, now, templateHashes);
  expect(plan(partial, options, now, templateHashes)).toEqual(expected);
  if (need.nothingDue) expect(expected.render.length + expected.remove.length).toBe(0);
  return { need, expected, shards: Object.keys(head.shards!.info).length, bits };
}

const regen: PlanOptions = { mode: 'regen' };

describe('shardsToLoad (which shards a run reads before planning)', () => {
  it('loads nothing for a calm site and says nothing is due', () => {
    const { need, shards, bits } = check(site(calm()), regen, T0 + HOUR);
    expect(shards).toBeGreaterThan(4);
    expect(need.nothingDue).toBe(true);
    // Were the run to go on, only the fixed pages' shards (which the planner checks each run).
    expect(need.shards).toEqual(new Set([shardOf('/', bits), shardOf('/about/', bits)]));
  });

  it('loads the shard of a named path only, and of a never-built path too', () => {
    const { need, bits } = check(site(calm()), { mode: 'regen', paths: ['/blog/p7/'] }, T0 + HOUR);
    expect(need.nothingDue).toBe(false);
    // Plus the shards of the fixed pages (their routes are "listed" on every regen).
    expect(need.shards).toEqual(new Set([shardOf('/blog/p7/', bits), shardOf('/', bits), shardOf('/about/', bits)]));
    const named = check(site(calm()), { mode: 'regen', paths: ['/blog/p7/'], onlyNamed: true }, T0 + HOUR).need;
    expect(named.shards).toEqual(new Set([shardOf('/blog/p7/', bits)]));
    expect(check(site(calm()), { mode: 'regen', paths: ['/blog/new'], onlyNamed: true }, T0 + HOUR).need.shards).toEqual(
      new Set([shardOf('/blog/new', bits), shardOf('/blog/new/', bits)]),
    );
    // A path asked for only if due: its entry decides, so its shard is read the same way.
    const due = check(site(calm()), { mode: 'regen', duePaths: ['/blog/p7/'], onlyNamed: true }, T0 + HOUR).need;
    expect(due.nothingDue).toBe(false);
    expect(due.shards).toEqual(new Set([shardOf('/blog/p7/', bits)]));
  });

  it('loads the shard of an expired page or a retry due, and no other', () => {
    const pages = calm();
    pages['/blog/p3/'] = page('post', { revalidate: 60, params: { slug: 'p3' } });
    const { need, expected, bits } = check(site(pages), regen, T0 + HOUR);
    expect(expected.render.map((p) => p.path)).toEqual(['/blog/p3/']);
    expect((need.shards as Set<string>).has(shardOf('/blog/p3/', bits))).toBe(true);
    expect((need.shards as Set<string>).size).toBeLessThanOrEqual(3); // its shard and the two fixed pages' shards
    const failing = calm();
    failing['/blog/p9/'] = page('post', { status: 'error', retryAt: T0 + 1000, params: { slug: 'p9' } });
    expect(check(site(failing), regen, T0 + HOUR).expected.render.map((p) => p.path)).toEqual(['/blog/p9/']);
  });

  it("loads for --tag the shards whose tag filter may hold it: the tagged page's, rarely another", () => {
    const pages = calm(200);
    pages['/blog/p77/'] = page('post', { params: { slug: 'p77' }, tags: ['file:content/p77.md'] });
    pages['/blog/p78/'] = page('post', { params: { slug: 'p78' }, tags: ['file:content/p78.md', 'post:78'] });
    const { need, expected, bits, shards } = check(site(pages), { mode: 'regen', tags: ['post:78'], onlyNamed: true }, T0 + HOUR);
    expect(expected.render.map((p) => p.path)).toEqual(['/blog/p78/']);
    expect((need.shards as Set<string>).has(shardOf('/blog/p78/', bits))).toBe(true);
    expect((need.shards as Set<string>).size).toBeLessThanOrEqual(2);
    expect(shards).toBeGreaterThan(30);
    // A tag no page has: nothing to render, and the planner still says so (not "nothing due").
    const none = check(site(pages), { mode: 'regen', tags: ['post:nope'] }, T0 + HOUR);
    expect(none.need.nothingDue).toBe(false);
    expect(none.expected.unmatchedTags).toEqual(['post:nope']);
  });

  it('marks the shards needed only for named pages as read in part, and a shard with a due page as whole', () => {
    const pages = calm();
    pages['/blog/p3/'] = page('post', { revalidate: 60, params: { slug: 'p3' } });
    pages['/blog/p5/'] = page('post', { params: { slug: 'p5' }, tags: ['t:x'] });
    const { need, bits } = check(site(pages), { mode: 'regen', paths: ['/blog/p7/'], tags: ['t:x'] }, T0 + HOUR);
    const only = need.entriesOnly!;
    expect(only.keys).toEqual(new Set(['/blog/p7/', '/', '/about/']));
    expect(only.tags).toEqual(['t:x']);
    expect(only.ids.has(shardOf('/blog/p7/', bits))).toBe(true);
    expect(only.ids.has(shardOf('/blog/p5/', bits))).toBe(true);
    // The due page's shard is read whole (the planner looks at every page of it).
    expect(need.shards).toContain(shardOf('/blog/p3/', bits));
    expect(only.ids.has(shardOf('/blog/p3/', bits))).toBe(false);
  });

  it('loads the shards of a route named with --route', () => {
    const { need, expected, bits } = check(site(calm()), { mode: 'regen', routes: ['about'] }, T0 + HOUR);
    expect(expected.render.map((p) => p.path)).toEqual(['/about/']);
    expect((need.shards as Set<string>).has(shardOf('/about/', bits))).toBe(true);
  });

  const cases: [string, Manifest, PlanOptions, number, Map<string, string>?][] = [
    [
      'a template changed',
      site(calm()),
      regen,
      T0 + HOUR,
      new Map([
        ['index.eta', 'h-index'],
        ['post.eta', 'h-post-2'],
      ]),
    ],
    ['the config changed', site(calm(), { configHash: 'c0' }), regen, T0 + HOUR],
    ['a route is gone', site({ ...calm(), '/old/': page('old') }), regen, T0 + HOUR],
    ['a fixed page is recorded notFound', site({ ...calm(), '/': page('home', { status: 'notFound' }) }), regen, T0 + HOUR],
    [
      'a fixed page is missing',
      (() => {
        const p = calm();
        delete p['/about/'];
        return site(p);
      })(),
      regen,
      T0 + HOUR,
    ],
    ['a fixed page belongs to another route', site({ ...calm(), '/about/': page('home') }), regen, T0 + HOUR],
    ['a listing is due', site(calm(), { routes: { post: { listedAt: T0, listRevalidate: 60 } } }), regen, T0 + HOUR],
    [
      'a listing failed last time',
      site(calm(), { routes: { post: { listedAt: T0, listRevalidate: false, error: 'x' } } }),
      regen,
      T0 + HOUR,
    ],
    ['removals are pending', site(calm(), { pendingRemovals: ['x.html'] }), regen, T0 + HOUR],
    [
      'a tag is named',
      site({ ...calm(), '/blog/t/': page('post', { tags: ['file:a.md'], params: { slug: 't' } }) }),
      { mode: 'regen', tags: ['file:a.md'] },
      T0 + HOUR,
    ],
    ['--all', site(calm()), { mode: 'regen', all: true }, T0 + HOUR],
    ['a build', site(calm()), { mode: 'build' }, T0 + HOUR],
  ];
  for (const [name, m, options, now, hashes] of cases) {
    it(`plans as over every page when ${name}`, () => {
      const { need, expected } = check(m, options, now, hashes);
      expect(need.nothingDue).toBe(false);
      // (A due listing that finds the same pages plans nothing, but must run: every shard is loaded.)
      if (/listing/.test(name)) expect(need.shards).toBe('all');
      else if (name !== 'removals are pending') expect(expected.render.length + expected.remove.length).toBeGreaterThan(0);
    });
  }

  it('plans as over every page for random sites and options (seeded)', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    for (let round = 0; round < 300; round++) {
      const pages = calm(Math.floor(rnd() * 60));
      for (const p of Object.keys(pages)) {
        const r = rnd();
        if (r < 0.05) pages[p] = { ...pages[p]!, revalidate: 60 };
        else if (r < 0.08) pages[p] = { ...pages[p]!, status: 'error', retryAt: T0 + (rnd() < 0.5 ? 1000 : 10 * HOUR) };
        else if (r < 0.1) pages[p] = { ...pages[p]!, templateHash: 'h-old' };
        else if (r < 0.12) pages[p] = { ...pages[p]!, route: 'gone' };
        else if (r < 0.14) pages[p] = { ...pages[p]!, status: 'notFound' };
        else if (r < 0.16) pages[p] = { ...pages[p]!, onDemand: true };
        if (rnd() < 0.1) pages[p] = { ...pages[p]!, tags: [pick(['t:a', 't:b'])] };
      }
      if (rnd() < 0.1) delete pages['/'];
      const options: PlanOptions = pick<PlanOptions>([
        regen,
        regen,
        { mode: 'regen', paths: [pick(Object.keys(pages).concat(['/blog/zz', '/nope/']))] },
        { mode: 'regen', paths: [pick(Object.keys(pages).concat(['/blog/zz']))], onlyNamed: true },
        // isr serve's stale page: rendered only if due, which only its own entry decides.
        { mode: 'regen', duePaths: [pick(Object.keys(pages).concat(['/blog/zz', '/nope/']))], onlyNamed: true },
        { mode: 'regen', tags: ['t:a'] },
        { mode: 'regen', tags: ['t:b'], onlyNamed: true },
        { mode: 'regen', routes: [pick(['home', 'post', 'about'])] },
      ]);
      const routes =
        rnd() < 0.2 ? { post: { listedAt: T0, listRevalidate: 60 } } : { post: { listedAt: T0, listRevalidate: false as const } };
      check(site(pages, { routes }), options, T0 + HOUR);
    }
  });
});

describe('tag filters (Bloom) in the shard summaries', () => {
  it('never misses a tag it holds, and takes about 1% of other tags for one', () => {
    const tags = new Set(Array.from({ length: 400 }, (_, i) => `file:content/posts/post-${i}.md`));
    const has = readTagFilter(tagFilter(tags));
    for (const t of tags) expect(has(hashTag(t))).toBe(true);
    let wrong = 0;
    for (let i = 0; i < 20_000; i++) if (has(hashTag(`file:content/posts/other-${i}.md`))) wrong++;
    expect(wrong / 20_000).toBeLessThan(0.03);
  });

  it('rules out nothing when the filter is damaged, and everything when there is none', () => {
    expect(readTagFilter('garbage')(hashTag('x'))).toBe(true);
    expect(readTagFilter('64:AAAA')(hashTag('x'))).toBe(true); // 3 bytes where 8 are due
    expect(readTagFilter(undefined)(hashTag('x'))).toBe(false);
  });
});
