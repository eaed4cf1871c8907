import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheControl } from '../../src/write/cache-control.js';
import { watchRegenRequests } from './gates.js';
import { type Reply, type ServedSite, serveFixture, T0 } from './helpers.js';

describe("isr serve: fallback: 'blocking'", () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('renders an unknown path of a blocking route on its first request (MISS), writes it, then serves it from cache', async () => {
    s = await serveFixture('serve-site');
    // gamma.json exists but is unlisted: the build did not render it.
    expect((await s.site.manifest()).pages['/items/gamma/']).toBeUndefined();
    const first = await s.get('/items/gamma/');
    expect(first.status).toBe(200);
    expect(first.headers['x-isr-cache']).toBe('MISS');
    expect(first.headers['cache-control']).toBe(cacheControl(60));
    expect(first.text).toContain('<h1 id="title">Gamma</h1>');
    expect(await s.site.read('dist/items/gamma/index.html')).toContain('Gamma');
    const entry = (await s.site.manifest()).pages['/items/gamma/'];
    expect(entry).toMatchObject({ route: 'item', status: 'ok', onDemand: true, builtAt: T0 + 1000, file: 'items/gamma/index.html' });
    const second = await s.get('/items/gamma/');
    expect(second.headers['x-isr-cache']).toBe('HIT');
    expect(second.text).toBe(first.text);
    expect(await s.renders()).toEqual(['/items/gamma/']);
  });

  it('renders once for concurrent first requests', async () => {
    s = await serveFixture('serve-site');
    // The render is held by a gate file until all 12 requests have asked for it (they all wait for it).
    await s.site.write('delta.gate', '');
    await s.site.write('content/items/delta.json', JSON.stringify({ title: 'Delta', unlisted: true, gate: 'delta.gate' }));
    const asked = watchRegenRequests((r) => r.paths?.includes('/items/delta/') === true);
    let replies: Reply[];
    try {
      const pending = Promise.all(Array.from({ length: 12 }, () => s.get('/items/delta/')));
      await asked.reached(12); // every request is in, waiting on the one render
      await rm(path.join(s.site.root, 'delta.gate'));
      replies = await pending;
    } finally {
      asked.restore();
    }
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.headers['x-isr-cache']).toBe('MISS');
      expect(r.text).toContain('Delta');
    }
    expect(await s.renders()).toEqual(['/items/delta/']);
  });

  it('redirects the slash-less form to the canonical path before rendering', async () => {
    s = await serveFixture('serve-site');
    const r = await s.get('/items/gamma');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/items/gamma/');
    expect(await s.renders()).toEqual([]);
  });

  it('answers notFound with the 404 page and status 404, and remembers it for the window', async () => {
    s = await serveFixture('serve-site');
    const first = await s.get('/items/nope/');
    expect(first.status).toBe(404);
    expect(first.headers['x-isr-cache']).toBe('MISS');
    expect(first.text).toContain('custom 404');
    const entry = (await s.site.manifest()).pages['/items/nope/'];
    expect(entry).toMatchObject({ status: 'notFound', builtAt: T0 + 1000, revalidate: 60 });
    s.clock.now = T0 + 30_000;
    const again = await s.get('/items/nope/');
    expect(again.status).toBe(404);
    expect(again.headers['x-isr-cache']).toBe('HIT');
    expect(again.text).toContain('custom 404');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/items/nope/']);

    // Past the window the 404 is served stale while the path is tried again: it exists now.
    await s.site.write('content/items/nope.json', JSON.stringify({ title: 'Now it exists' }));
    s.clock.now = T0 + 1000 + 60_000;
    const stale = await s.get('/items/nope/');
    expect(stale.status).toBe(404);
    expect(stale.headers['x-isr-cache']).toBe('STALE');
    await s.server.idle();
    const found = await s.get('/items/nope/');
    expect(found.status).toBe(200);
    expect(found.text).toContain('Now it exists');
  });

  it('answers 404 for an unlisted path of a fallback:false route, without rendering', async () => {
    s = await serveFixture('serve-site');
    expect((await s.get('/fixed/one/')).status).toBe(200);
    const r = await s.get('/fixed/two/');
    expect(r.status).toBe(404);
    expect(r.text).toContain('custom 404');
    expect(r.headers['x-isr-cache']).toBeUndefined();
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
    expect((await s.site.manifest()).pages['/fixed/two/']).toBeUndefined();
  });

  it('answers 500 when the first render fails, and does not hammer the source during the backoff', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('content/items/bad.json', JSON.stringify({ title: 'Bad', fail: true }));
    const r = await s.get('/items/bad/');
    expect(r.status).toBe(500);
    expect(r.headers['x-isr-cache']).toBe('ERROR');
    expect(Number(r.headers['retry-after'])).toBe(60);
    const again = await s.get('/items/bad/');
    expect(again.status).toBe(500);
    expect(await s.renders()).toEqual(['/items/bad/']);
    // After the backoff: tried again while the request waits.
    await s.site.write('content/items/bad.json', JSON.stringify({ title: 'Fixed' }));
    s.clock.now = T0 + 1000 + 60_000;
    const ok = await s.get('/items/bad/');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-isr-cache']).toBe('MISS');
    expect(ok.text).toContain('Fixed');
  });
});
