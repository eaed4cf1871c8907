import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import { type ServedSite, serveFixture } from './helpers.js';

/** The docs fixture with its catch-all route rendering unknown paths on first request. */
const withFallback = (c: ResolvedConfig): ResolvedConfig =>
  ({ ...c, routes: c.routes.map((r) => (r.name === 'doc' ? { ...r, fallback: 'blocking' as const } : r)) }) as ResolvedConfig;

describe('isr serve: a rest-param route', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('serves nested pages, and renders a new nested file on first request through the rest param', async () => {
    s = await serveFixture('docs', { configure: withFallback });
    const built = await s.get('/guides/install/linux/');
    expect(built.status).toBe(200);
    expect(built.text).toContain('<h1>Linux</h1>');

    await s.site.write('content/guides/install/bsd/freebsd.md', '---\ntitle: FreeBSD\n---\nUse pkg.\n');
    const fresh = await s.get('/guides/install/bsd/freebsd/');
    expect(fresh.status).toBe(200);
    expect(fresh.text).toContain('<h1>FreeBSD</h1>');
    expect(await s.site.read('dist/guides/install/bsd/freebsd/index.html')).toContain('Use pkg.');
  });

  it('answers 404 for a nested path no file gives, and never matches an empty or dot segment', async () => {
    s = await serveFixture('docs', { configure: withFallback });
    expect((await s.get('/guides/install/nothing-here/')).status).toBe(404);
    expect((await s.get('/guides//install/')).status).not.toBe(200);
    expect((await s.get('/guides/%2e%2e/etc/')).status).not.toBe(200);
  });
});
