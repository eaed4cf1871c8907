import { describe, expect, it } from 'vitest';
import type { Manifest, PageEntry } from '../../src/manifest/manifest.js';
import { type PageRef, type PlanOptions, type PlanRoute, planRegen } from '../../src/plan/plan-regen.js';
import { compilePattern } from '../../src/routes/pattern.js';

// A fallback route whose pages are on demand; times are seconds after T0.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => T0 + seconds * 1000;
const p = compilePattern('/any/:slug/');
const ROUTES: PlanRoute[] = [
  { name: 'any', template: 'any.eta', dynamic: true, source: p.source, listRevalidate: 600, match: (u) => p.match(u) },
];
const TEMPLATES = new Map([['any.eta', 'h']]);

const page = (slug: string, over: Partial<PageEntry> = {}): [string, PageEntry] => [
  `/any/${slug}/`,
  {
    route: 'any',
    params: { slug },
    builtAt: T0,
    changedAt: T0,
    revalidate: 60,
    status: 'ok',
    file: `any/${slug}/index.html`,
    templateHash: 'h',
    ...over,
  } as PageEntry,
];
const notFound = (slug: string, over: Partial<PageEntry> = {}) =>
  page(slug, { status: 'notFound', file: undefined, onDemand: true, ...over });

function plan(pages: [string, PageEntry][], o: { now: number; listings?: Record<string, PageRef[]>; options?: Partial<PlanOptions> }) {
  const manifest: Manifest = {
    version: 1,
    generator: 'test',
    updatedAt: T0,
    configHash: 'cfg',
    templates: {},
    routes: { any: { listedAt: T0, listRevalidate: 600 } },
    pages: Object.fromEntries(pages),
  };
  return planRegen({
    manifest,
    routes: ROUTES,
    listings: new Map(Object.entries(o.listings ?? {})),
    templateHashes: TEMPLATES,
    configHash: 'cfg',
    options: { mode: 'regen', ...o.options },
    now: o.now,
  });
}

describe('planRegen: remembered notFound answers of on-demand paths', () => {
  it('drops them once their window has passed instead of asking the data source again', () => {
    const r = plan([notFound('x'), notFound('y', { builtAt: at(30) }), page('kept', { onDemand: true })], { now: at(61) });
    expect(r.remove).toEqual([{ path: '/any/x/', route: 'any', reason: 'removed' }]);
    expect(r.render.map((x) => x.path)).toEqual(['/any/kept/']);
  });

  it('keeps them within their window', () => {
    expect(plan([notFound('x')], { now: at(59) })).toMatchObject({ render: [], remove: [] });
  });

  it('renders one a fresh listing now gives (a draft published) instead of dropping it', () => {
    const r = plan([notFound('x')], { now: at(61), listings: { any: [{ path: '/any/x/', route: 'any', params: { slug: 'x' } }] } });
    expect(r.remove).toEqual([]);
    expect(r.render.map((x) => x.path)).toEqual(['/any/x/']);
    expect(r.render[0]!.reasons).toContain('new');
  });

  it('renders one named again (a webhook, a request of isr serve), and leaves them alone when only named paths are rendered', () => {
    expect(plan([notFound('x')], { now: at(61), options: { paths: ['/any/x/'] } }).render).toMatchObject([{ path: '/any/x/' }]);
    expect(plan([notFound('x')], { now: at(61), options: { onlyNamed: true, duePaths: ['/any/x/'] } })).toMatchObject({
      remove: [],
      render: [{ path: '/any/x/', reasons: ['expired'] }],
    });
  });

  it('still re-asks a listed page whose load said notFound (the listing backs it)', () => {
    const r = plan([page('gone', { status: 'notFound', file: undefined })], { now: at(61) });
    expect(r.remove).toEqual([]);
    expect(r.render).toMatchObject([{ path: '/any/gone/', reasons: ['expired'] }]);
  });
});
