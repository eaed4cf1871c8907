import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/commands/status.js';
import type { Manifest, PageEntry } from '../../src/manifest/manifest.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (s: number) => T0 + s * 1000;

function m(pages: Record<string, Partial<PageEntry>>): Manifest {
  const full: Record<string, PageEntry> = {};
  for (const [p, e] of Object.entries(pages)) full[p] = { route: 'r', builtAt: T0, changedAt: T0, revalidate: 3600, status: 'ok', ...e };
  return { version: 1, generator: 't', updatedAt: T0, configHash: 'c', templates: {}, routes: {}, pages: full };
}

describe('isr status summary', () => {
  it('counts pages by status, those due now and the next expiry', () => {
    const s = summarize(
      m({
        '/a/': { revalidate: 60 },
        '/b/': { revalidate: 600 },
        '/c/': { revalidate: 30, builtAt: at(-100) },
        '/d/': { status: 'notFound', revalidate: false },
        '/e/': { status: 'redirect', revalidate: 120 },
      }),
      at(10),
    );
    expect(s).toEqual({
      pages: 5,
      due: 1,
      nextExpiry: '2026-06-01T00:01:00.000Z',
      overdueSince: '2026-05-31T23:58:50.000Z',
      failing: [],
      byStatus: { ok: 3, notFound: 1, redirect: 1 },
    });
  });

  it('lists failing pages with attempts and retry time, and counts them due once retryAt passes', () => {
    const man = m({
      '/ok/': { revalidate: false },
      '/bad/': { status: 'error', error: 'boom', attempts: 2, retryAt: at(120) },
    });
    expect(summarize(man, at(0))).toEqual({
      pages: 2,
      due: 0,
      nextExpiry: '2026-06-01T00:02:00.000Z',
      overdueSince: null,
      failing: [{ path: '/bad/', error: 'boom', attempts: 2, retryAt: '2026-06-01T00:02:00.000Z' }],
      byStatus: { ok: 1, error: 1 },
    });
    expect(summarize(man, at(120)).due).toBe(1);
  });

  it('has no next expiry when no page has a timer', () => {
    expect(summarize(m({ '/a/': { revalidate: false } }), at(1e6)).nextExpiry).toBeNull();
    expect(summarize(m({}), T0)).toEqual({ pages: 0, due: 0, nextExpiry: null, overdueSince: null, failing: [], byStatus: {} });
  });
});
