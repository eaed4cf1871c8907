import { describe, expect, it } from 'vitest';
import { summarize, type Manifest, type PageEntry } from '../../src/manifest/manifest.js';
import { nothingDue } from '../../src/plan/nothing-due.js';
import { planListings, planRegen, type PageRef, type PlanOptions, type PlanRoute } from '../../src/plan/plan-regen.js';
import { compilePattern } from '../../src/routes/pattern.js';
import type { Revalidate } from '../../src/types.js';

// The quick "nothing due" must never say so when the planner would render or remove anything.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600_000;

function route(name: string, pattern: string, template: string, listRevalidate: Revalidate = 3600): PlanRoute {
  const p = compilePattern(pattern);
  return { name, template, dynamic: p.names.length > 0, listRevalidate, match: (u) => p.match(u) };
}
const ROUTES = [route('home', '/', 'index.eta'), route('post', '/blog/:slug/', 'post.eta', false)];
const HASHES = new Map([['index.eta', 'h-index'], ['post.eta', 'h-post']]);

function page(routeName: string, over: Partial<PageEntry> = {}): PageEntry {
  return { route: routeName, builtAt: T0, changedAt: T0, revalidate: false, status: 'ok', templateHash: routeName === 'home' ? 'h-index' : 'h-post', ...over };
}

function site(pages: Record<string, PageEntry>, over: Partial<Manifest> = {}): Manifest {
  return {
    version: 1, generator: 'test', updatedAt: T0, configHash: 'c1', templates: {},
    routes: { post: { listedAt: T0, listRevalidate: false } },
    pages, ...over,
  };
}

const calm = () => ({ '/': page('home'), '/blog/a/': page('post', { params: { slug: 'a' } }), '/blog/b/': page('post', { params: { slug: 'b' } }) });
const regen: PlanOptions = { mode: 'regen' };

/** What the full planner does with the same manifest (listing a dynamic route gives its current pages). */
function planned(m: Manifest, options: PlanOptions, now: number, templateHashes = HASHES) {
  const toList = planListings(m, ROUTES, options, 'c1', now);
  const listings = new Map<string, PageRef[]>();
  for (const name of toList) {
    const r = ROUTES.find((x) => x.name === name)!;
    const refs = Object.entries(m.pages).filter(([, e]) => e.route === name).map(([path, e]) => ({ path, route: name, params: e.params ?? {} }));
    listings.set(name, r.dynamic ? refs : [{ path: '/', route: name, params: {} }]);
  }
  const plan = planRegen({ manifest: m, routes: ROUTES, listings, templateHashes, configHash: 'c1', options, now });
  return plan.render.length + plan.remove.length;
}

function quick(m: Manifest, options: PlanOptions, now: number, templateHashes = HASHES): boolean {
  const { pages, ...rest } = m;
  return nothingDue({ head: { ...rest, summary: summarize(pages) }, routes: ROUTES, templateHashes, configHash: 'c1', options, now });
}

describe('nothingDue (regen decided from the manifest head)', () => {
  it('says nothing is due for a calm site, as the planner does', () => {
    const m = site(calm());
    expect(quick(m, regen, T0 + HOUR)).toBe(true);
    expect(planned(m, regen, T0 + HOUR)).toBe(0);
  });

  const cases: [string, Manifest, PlanOptions, number, Map<string, string>?][] = [
    ['a page expired', site({ ...calm(), '/blog/c/': page('post', { revalidate: 60, params: { slug: 'c' } }) }), regen, T0 + HOUR],
    ['a failed page is due for retry', site({ ...calm(), '/blog/c/': page('post', { status: 'error', retryAt: T0 + 1000, params: { slug: 'c' } }) }), regen, T0 + HOUR],
    ['a template changed', site(calm()), regen, T0 + HOUR, new Map([['index.eta', 'h-index'], ['post.eta', 'h-post-2']])],
    ['the config changed', site(calm(), { configHash: 'c0' }), regen, T0 + HOUR],
    ['a route is gone', site({ ...calm(), '/old/': page('old') }), regen, T0 + HOUR],
    ['the fixed page is recorded notFound', site({ ...calm(), '/': page('home', { status: 'notFound' }) }), regen, T0 + HOUR],
    ['the fixed page is missing', site({ '/blog/a/': page('post', { params: { slug: 'a' } }) }), regen, T0 + HOUR],
    ['a listing is due', site(calm(), { routes: { post: { listedAt: T0, listRevalidate: 60 } } }), regen, T0 + HOUR],
    ['a listing failed last time', site(calm(), { routes: { post: { listedAt: T0, listRevalidate: false, error: 'x' } } }), regen, T0 + HOUR],
    ['removals are pending', site(calm(), { pendingRemovals: ['x.html'] }), regen, T0 + HOUR],
    ['a path is named', site(calm()), { mode: 'regen', paths: ['/blog/a/'] }, T0 + HOUR],
    ['a tag is named', site(calm()), { mode: 'regen', tags: ['file:a.md'] }, T0 + HOUR],
    ['--all', site(calm()), { mode: 'regen', all: true }, T0 + HOUR],
    ['a build', site(calm()), { mode: 'build' }, T0 + HOUR],
  ];
  for (const [name, m, options, now, hashes] of cases) {
    it(`leaves it to the planner when ${name}`, () => {
      expect(quick(m, options, now, hashes)).toBe(false);
    });
  }

  it('never says "nothing" when the planner finds work (all cases above, and their calm twins)', () => {
    for (const [, m, options, now, hashes] of cases) {
      if (quick(m, options, now, hashes)) expect(planned(m, options, now, hashes)).toBe(0);
    }
  });

  it('leaves it to the planner when the head has no summary (a manifest of an older isr)', () => {
    const { pages: _p, ...rest } = site(calm());
    expect(nothingDue({ head: rest, routes: ROUTES, templateHashes: HASHES, configHash: 'c1', options: regen, now: T0 })).toBe(false);
  });
});
