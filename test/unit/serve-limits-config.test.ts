import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { configRoot } from '../helpers/config-root.js';

const resolve = configRoot().resolve;
const any = { path: '/any/:slug/', template: 'page.eta', paths: () => [], fallback: 'blocking' as const };

function refused(user: unknown): string {
  try {
    resolve(user);
  } catch (err) {
    if (err instanceof IsrError) return err.toLine();
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('config: the bounds of isr serve', () => {
  it('has documented defaults', () => {
    const c = resolve({ routes: [any] });
    expect(c.serve).toMatchObject({ maxRevalidatePaths: 1000, maxRevalidateTags: 100, maxOnDemandPages: 10_000, maxPendingRenders: 100 });
    expect(c.routes[0]).toMatchObject({ maxOnDemandPages: 10_000, sitemapOnDemand: false });
  });

  it('gives each route serve.maxOnDemandPages unless the route sets its own', () => {
    const c = resolve({
      serve: { maxOnDemandPages: 50 },
      routes: [any, { ...any, path: '/own/:slug/', maxOnDemandPages: 0, sitemapOnDemand: true }],
    });
    expect(c.routes.map((r) => [r.name, r.maxOnDemandPages, r.sitemapOnDemand])).toEqual([
      ['/any/:slug/', 50, false],
      ['/own/:slug/', 0, true],
    ]);
  });

  it('refuses values that are not counts, naming the key', () => {
    expect(refused({ serve: { maxRevalidatePaths: 0 }, routes: [any] })).toMatch(
      /serve\.maxRevalidatePaths: expected an integer >= 1, found number 0/,
    );
    expect(refused({ serve: { maxPendingRenders: 1.5 }, routes: [any] })).toMatch(/serve\.maxPendingRenders: expected an integer >= 1/);
    expect(refused({ routes: [{ ...any, maxOnDemandPages: -1 }] })).toMatch(/routes\[0\]\.maxOnDemandPages: expected an integer >= 0/);
    expect(refused({ routes: [{ ...any, sitemapOnDemand: 'yes' }] })).toMatch(/routes\[0\]\.sitemapOnDemand: expected true or false/);
  });
});
