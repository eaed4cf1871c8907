import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import type { PageEntry } from '../../src/manifest/manifest.js';
import { FallbackGate } from '../../src/serve/fallback-gate.js';
import type { ManifestOwner } from '../../src/serve/manifest-owner.js';
import type { RegenQueue } from '../../src/serve/regen-queue.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup(pages: Record<string, Partial<PageEntry>>, o: { cap?: number; pending?: number } = {}) {
  const full = (e: Partial<PageEntry>): PageEntry =>
    ({ route: 'any', builtAt: T0, changedAt: T0, revalidate: 60, status: 'ok', onDemand: true, ...e }) as PageEntry;
  // The pages as a snapshot (a new object per change, as the server's are).
  const snapshotOf = (pages: Record<string, PageEntry>) => ({ pages, entries: () => Object.entries(pages) });
  const state = {
    snapshot: snapshotOf(Object.fromEntries(Object.entries(pages).map(([k, e]) => [k, full(e)]))),
    page: (k: string) => state.snapshot.pages[k],
  };
  const drops: string[][] = [];
  const lines: string[] = [];
  const clock = { now: T0 + 1000 };
  const config = {
    routes: [{ name: 'any', maxOnDemandPages: o.cap ?? 3 }],
    serve: { maxPendingRenders: o.pending ?? 10 },
  } as unknown as ResolvedConfig;
  const gate = new FallbackGate({
    config: () => config,
    state: state as unknown as ManifestOwner,
    clock: () => clock.now,
    logger: {
      info: () => {},
      warn: (l: string) => void lines.push(l),
      error: () => {},
      debug: () => {},
      progress: () => {},
      done: () => {},
    },
    queue: {
      request: (r: { drop: string[] }) => {
        drops.push(r.drop);
        return Promise.resolve();
      },
    } as unknown as RegenQueue,
  });
  /** A run that rendered `key`: a new snapshot holding it. */
  const rendered = (key: string, e: Partial<PageEntry> = {}) => {
    state.snapshot = snapshotOf({ ...state.snapshot.pages, [key]: full(e) });
  };
  return { gate, state, drops, lines, clock, rendered };
}

describe('FallbackGate', () => {
  it("counts the manifest's on-demand entries of the route, not listed pages or other routes'", () => {
    const { gate } = setup({ '/any/a/': {}, '/any/b/': {}, '/any/listed/': { onDemand: undefined }, '/other/x/': { route: 'other' } });
    const third = gate.admit('/any/c/', 'any');
    expect(third).toMatchObject({ drop: [] });
    expect(gate.admit('/any/d/', 'any')).toBe('full');
  });

  it('counts what it admitted since its last pass over the pages, rendered or still pending, so the cap holds exactly', () => {
    const { gate, rendered } = setup({}, { cap: 2 });
    const a = gate.admit('/any/a/', 'any') as { done(): void };
    rendered('/any/a/');
    a.done();
    const b = gate.admit('/any/b/', 'any');
    expect(b).not.toBe('full');
    // /any/a/ is in a manifest the gate has not passed over yet, /any/b/ is pending: full.
    expect(gate.admit('/any/c/', 'any')).toBe('full');
    // A second request for a pending path joins it.
    expect(gate.admit('/any/b/', 'any')).not.toBe('full');
  });

  it('answers busy past maxPendingRenders, and frees the slot when the last waiting request is done', () => {
    const { gate } = setup({}, { pending: 1 });
    const a1 = gate.admit('/any/a/', 'any') as { done(): void };
    const a2 = gate.admit('/any/a/', 'any') as { done(): void };
    expect(gate.admit('/any/b/', 'any')).toBe('busy');
    a1.done();
    expect(gate.admit('/any/b/', 'any')).toBe('busy');
    a2.done();
    expect(gate.admit('/any/b/', 'any')).not.toBe('busy');
  });

  it('does not count notFound answers past their window; they go with the next run, or on their own when full', () => {
    const { gate, clock, drops, lines } = setup({ '/any/gone/': { status: 'notFound' }, '/any/a/': {} }, { cap: 2 });
    expect(gate.admit('/any/b/', 'any')).toBe('full');
    expect(lines).toHaveLength(1);
    expect(gate.admit('/any/b2/', 'any')).toBe('full');
    expect(lines).toHaveLength(1); // one warning a minute, not one per request
    clock.now = T0 + 61_000;
    expect(gate.admit('/any/b/', 'any')).toMatchObject({ drop: ['/any/gone/'] });
    expect(gate.admit('/any/c/', 'any')).toBe('full');
    expect(drops).toEqual([['/any/gone/']]);
  });
});
