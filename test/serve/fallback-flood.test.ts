import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import { type ServedSite, serveFixture, T0 } from './helpers.js';

/** The fixture's config with the route "any" (fallback: 'blocking', any slug) changed. */
const anyRoute =
  (over: Record<string, unknown>, serve: Record<string, unknown> = {}) =>
  (c: ResolvedConfig): ResolvedConfig => ({
    ...c,
    serve: { ...c.serve, ...serve },
    routes: c.routes.map((r) => (r.name === 'any' ? { ...r, ...over } : r)),
  });

describe('isr serve: a fallback flood is bounded', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('answers 404 for new paths once the route holds maxOnDemandPages, with one log line, not one per request', async () => {
    s = await serveFixture('serve-bounds', { configure: anyRoute({ maxOnDemandPages: 2 }) });
    expect((await s.get('/any/a/')).status).toBe(200);
    expect((await s.get('/any/b/')).status).toBe(200);
    const over = await s.get('/any/c/');
    expect(over.status).toBe(404);
    expect(over.text).toContain('bounds 404');
    expect((await s.get('/any/d/')).status).toBe(404);
    // Pages it already holds are served; nothing was rendered for the refused paths.
    expect((await s.get('/any/a/')).headers['x-isr-cache']).toBe('HIT');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/any/a/', '/any/b/']);
    const warned = s.logger.lines.filter((l) => l.includes('maxOnDemandPages'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(
      /^warn fallback: route "any" holds 2 on-demand pages \(maxOnDemandPages\): 1 new path\(s\) answered 404 .*isr regen --forget-on-demand any/,
    );
  });

  it('does not count remembered notFound answers past their window, and drops them', async () => {
    s = await serveFixture('serve-bounds', { configure: anyRoute({ maxOnDemandPages: 2 }) });
    expect((await s.get('/any/gone-1/')).status).toBe(404);
    expect((await s.get('/any/a/')).status).toBe(200);
    expect((await s.get('/any/b/')).status).toBe(404); // two entries: full
    s.clock.now = T0 + 1000 + 60_000; // the notFound answer's window (60 s) has passed
    const b = await s.get('/any/b/');
    expect(b.status).toBe(200);
    expect(b.headers['x-isr-cache']).toBe('MISS');
    await s.server.idle();
    const pages = (await s.site.manifest()).pages;
    expect(pages['/any/gone-1/']).toBeUndefined();
    expect(
      Object.keys(pages)
        .filter((p) => p.startsWith('/any/'))
        .sort(),
    ).toEqual(['/any/a/', '/any/b/', '/any/listed/']);
    // Asked of the data source once, not again when dropped.
    expect((await s.renders()).filter((p) => p === '/any/gone-1/')).toHaveLength(1);
  });

  it('answers 503 with Retry-After when maxPendingRenders fallback paths are already rendering or waiting', async () => {
    s = await serveFixture('serve-bounds', { configure: anyRoute({}, { maxPendingRenders: 1 }) });
    await s.site.write('held.gate', '');
    const held = s.get('/any/held-1/');
    while (!(await s.renders()).includes('/any/held-1/')) await new Promise((r) => setTimeout(r, 10)); // its render started
    const busy = await s.get('/any/other/');
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('5');
    expect(busy.headers['cache-control']).toBe('no-store');
    // A second request for the pending path joins its render instead of being refused.
    const joined = s.get('/any/held-1/');
    await rm(path.join(s.site.root, 'held.gate'));
    expect((await held).status).toBe(200);
    expect((await joined).status).toBe(200);
    // Once it is done, new paths are taken again.
    expect((await s.get('/any/other/')).status).toBe(200);
    expect((await s.renders()).filter((p) => p === '/any/held-1/')).toHaveLength(1);
  });

  it('leaves on-demand pages out of sitemap.xml unless the route sets sitemapOnDemand', async () => {
    s = await serveFixture('serve-bounds');
    expect((await s.get('/any/x/')).status).toBe(200);
    const map = await s.site.read('dist/sitemap.xml');
    expect(map).toContain('https://example.com/any/listed/');
    expect(map).not.toContain('/any/x/');
    await s.close();
    s = await serveFixture('serve-bounds', { configure: anyRoute({ sitemapOnDemand: true }) });
    expect((await s.get('/any/x/')).status).toBe(200);
    expect(await s.site.read('dist/sitemap.xml')).toContain('https://example.com/any/x/');
  });
});

describe('isr regen and on-demand pages', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('drops remembered notFound answers of on-demand paths once their window passed, without asking the data source', async () => {
    s = await serveFixture('serve-bounds');
    expect((await s.get('/any/gone-1/')).status).toBe(404);
    expect((await s.get('/any/gone-2/')).status).toBe(404);
    await s.server.close();
    const r = await s.site.run(['regen', '--json'], { now: T0 + 120_000 });
    expect(r.code).toBe(0);
    const pages = (await s.site.manifest()).pages;
    expect(pages['/any/gone-1/']).toBeUndefined();
    expect(pages['/any/gone-2/']).toBeUndefined();
    expect((await s.renders()).filter((p) => p.startsWith('/any/gone'))).toEqual(['/any/gone-1/', '/any/gone-2/']);
  });

  it('--forget-on-demand <route> removes the files and entries of its on-demand pages and keeps listed ones', async () => {
    s = await serveFixture('serve-bounds');
    expect((await s.get('/any/a/')).status).toBe(200);
    expect((await s.get('/any/gone-1/')).status).toBe(404);
    await s.server.close();
    expect(existsSync(path.join(s.site.root, 'dist/any/a/index.html'))).toBe(true);
    const bad = await s.site.run(['regen', '--forget-on-demand', 'nope'], { now: T0 + 2000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^isr: --forget-on-demand nope: no such route/);
    const r = await s.site.run(['regen', '--forget-on-demand', 'any', '--json'], { now: T0 + 2000 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).removed).toEqual(['any/a/index.html']);
    expect(existsSync(path.join(s.site.root, 'dist/any/a/index.html'))).toBe(false);
    const pages = (await s.site.manifest()).pages;
    expect(pages['/any/a/']).toBeUndefined();
    expect(pages['/any/gone-1/']).toBeUndefined();
    expect(pages['/any/listed/']).toMatchObject({ status: 'ok' });
    expect(existsSync(path.join(s.site.root, 'dist/any/listed/index.html'))).toBe(true);
  });
});
