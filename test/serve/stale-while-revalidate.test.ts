import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cacheControl } from '../../src/write/cache-control.js';
import { type ServedSite, serveFixture, T0, until } from './helpers.js';

describe('isr serve: stale-while-revalidate', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('marks a page inside its window HIT, with the Cache-Control of its revalidate', async () => {
    s = await serveFixture('serve-site');
    const r = await s.get('/items/alpha/');
    expect(r.status).toBe(200);
    expect(r.headers['x-isr-cache']).toBe('HIT');
    expect(r.headers['cache-control']).toBe(cacheControl(60));
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });

  it('serves a page past its window at once as STALE, regenerates it once in the background, then serves the new page', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha v2', tags: ['green'] }));
    s.clock.now = T0 + 60_000; // builtAt + revalidate*1000 <= now
    const stale = await s.get('/items/alpha/');
    expect(stale.status).toBe(200);
    expect(stale.headers['x-isr-cache']).toBe('STALE');
    expect(stale.text).toContain('<h1 id="title">Alpha</h1>');
    await s.server.idle();
    const fresh = await s.get('/items/alpha/');
    expect(fresh.headers['x-isr-cache']).toBe('HIT');
    expect(fresh.text).toContain('Alpha v2');
    expect(await s.renders()).toEqual(['/items/alpha/']);
    const m = await s.site.manifest();
    expect(m.pages['/items/alpha/'].builtAt).toBe(T0 + 60_000);
  });

  it('runs exactly one regeneration for 20 concurrent stale requests', async () => {
    s = await serveFixture('serve-site');
    // A gate file holds the regeneration open until every request has been answered (STALE
    // answers do not wait for it), so the test does not depend on this machine's speed.
    await s.site.write('beta.gate', '');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta v2', gate: 'beta.gate' }));
    s.clock.now = T0 + 3_600_000;
    const replies = await Promise.all(Array.from({ length: 20 }, () => s.get('/items/beta/')));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.headers['x-isr-cache']).toBe('STALE');
      expect(r.text).toContain('<h1 id="title">Beta</h1>');
    }
    await rm(path.join(s.site.root, 'beta.gate'));
    await s.server.idle();
    // More stale-time requests after it finished: the page is fresh now, nothing more to do.
    for (let i = 0; i < 5; i++) expect((await s.get('/items/beta/')).headers['x-isr-cache']).toBe('HIT');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/items/beta/']);
    expect((await s.get('/items/beta/')).text).toContain('Beta v2');
  });

  it('does not render a stale page again when another process rendered it while its regeneration waited for the lock', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('beta.gate', '');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta by cron', gate: 'beta.gate' }));
    s.clock.now = T0 + 3_600_000;
    // A cron run (or another `--workers` server) renders beta, holding the site lock while its
    // load() waits on the gate.
    const cron = s.site.run(['regen', '--path', '/items/beta/'], { now: T0 + 3_600_000 });
    await until(async () => (await s.renders()).includes('/items/beta/'), 'the other run to be rendering beta');
    // The server still has beta past its window: STALE, and a regeneration that waits for the lock.
    expect((await s.get('/items/beta/')).headers['x-isr-cache']).toBe('STALE');
    await rm(path.join(s.site.root, 'beta.gate'));
    expect((await cron).code).toBe(0);
    await s.server.idle();
    // Under the lock it read the manifest the other run wrote: beta was no longer due. (The cron
    // run also rendered the other pages due then.)
    expect((await s.renders()).filter((p) => p === '/items/beta/')).toHaveLength(1);
    const fresh = await s.get('/items/beta/');
    expect(fresh.headers['x-isr-cache']).toBe('HIT');
    expect(fresh.text).toContain('Beta by cron');
  });

  it('keeps the last good page when a regeneration fails, logs it, and retries only after retryAt', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Broken', fail: true }));
    s.clock.now = T0 + 61_000;
    expect((await s.get('/items/alpha/')).headers['x-isr-cache']).toBe('STALE');
    await s.server.idle();
    expect(s.logger.lines.some((l) => l.startsWith('error') && l.includes('upstream for alpha is down'))).toBe(true);

    const entry = (await s.site.manifest()).pages['/items/alpha/'];
    expect(entry.status).toBe('error');
    expect(entry.retryAt).toBe(T0 + 61_000 + 60_000);
    const kept = await s.get('/items/alpha/');
    expect(kept.status).toBe(200);
    expect(kept.text).toContain('<h1 id="title">Alpha</h1>');
    expect(kept.headers['x-isr-cache']).toBe('STALE');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/items/alpha/']); // backing off: no second attempt yet

    s.clock.now = entry.retryAt;
    await writeFile(path.join(s.site.root, 'content/items/alpha.json'), JSON.stringify({ title: 'Alpha again' }));
    expect((await s.get('/items/alpha/')).status).toBe(200);
    await s.server.idle();
    expect(await s.renders()).toEqual(['/items/alpha/', '/items/alpha/']);
    const back = await s.get('/items/alpha/');
    expect(back.headers['x-isr-cache']).toBe('HIT');
    expect(back.text).toContain('Alpha again');
  });

  it('notices a manifest rewritten by a cron `isr regen` and serves its pages', async () => {
    s = await serveFixture('serve-site');
    expect((await s.get('/items/beta/')).text).toContain('<h1 id="title">Beta</h1>');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta from cron' }));
    const cron = await s.site.run(['regen', '--path', '/items/beta/'], { now: T0 + 5_000 });
    expect(cron.code).toBe(0);
    await s.server.syncManifest();
    const r = await s.get('/items/beta/');
    expect(r.text).toContain('Beta from cron');
    expect(r.headers['x-isr-cache']).toBe('HIT');
    await s.server.idle();
    // Rendered by cron, not by the server (the cron run also found the edit itself: the home
    // page lists the collection, so it rendered again too).
    expect((await s.renders()).sort()).toEqual(['/', '/items/beta/']);
  });

  it('notices a cron regen without being told (file watch or the once-a-second stat)', async () => {
    s = await serveFixture('serve-site');
    expect((await s.get('/items/beta/')).text).toContain('<h1 id="title">Beta</h1>');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta polled' }));
    expect((await s.site.run(['regen', '--path', '/items/beta/'], { now: T0 + 5_000 })).code).toBe(0);
    const { until } = await import('./helpers.js');
    await until(async () => (await s.get('/items/beta/')).text.includes('Beta polled'), 'the cron-built page');
  });

  it('regenerates a page whose file was deleted by hand', async () => {
    s = await serveFixture('serve-site');
    const { rm } = await import('node:fs/promises');
    await rm(path.join(s.config.outDir, 'items/beta/index.html'));
    await s.server.syncManifest();
    const { until } = await import('./helpers.js');
    await until(async () => (await s.get('/items/beta/')).status === 200, 'the page rebuilt');
    expect(await s.renders()).toEqual(['/items/beta/']);
  });

  describe("with the manifest split in one shard per page (as a large site's is)", () => {
    afterEach(() => vi.unstubAllEnvs());
    const pagesOf = (x: ServedSite) => Object.keys(x.server.manifest().pages).sort();

    it('adopts its own regeneration (one shard loaded) without losing the other pages', async () => {
      vi.stubEnv('ISR_PAGES_PER_SHARD', '1');
      s = await serveFixture('serve-site', { tuning: { pagesPerShard: 1 } });
      const all = pagesOf(s);
      expect(Object.keys(JSON.parse(await s.site.read('.isr/manifest.json')).shards).length).toBeGreaterThan(2);
      await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha sharded', tags: ['green'] }));
      s.clock.now = T0 + 60_000;
      expect((await s.get('/items/alpha/')).headers['x-isr-cache']).toBe('STALE');
      await s.server.idle();
      expect((await s.get('/items/alpha/')).text).toContain('Alpha sharded');
      expect(await s.renders()).toEqual(['/items/alpha/']);
      expect(pagesOf(s)).toEqual(all);
      for (const p of all.filter((p) => p.endsWith('/'))) expect((await s.get(p)).status, p).toBe(200);
    });

    it('reloads only what a cron regen changed, and serves it', async () => {
      vi.stubEnv('ISR_PAGES_PER_SHARD', '1');
      s = await serveFixture('serve-site', { tuning: { pagesPerShard: 1 } });
      expect((await s.get('/items/gamma/')).status).toBe(200); // held in memory from now on
      await s.server.idle();
      const all = pagesOf(s);
      expect((await s.get('/items/beta/')).text).toContain('<h1 id="title">Beta</h1>');
      await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta from a sharded cron' }));
      expect((await s.site.run(['regen', '--path', '/items/beta/'], { now: T0 + 5_000 })).code).toBe(0);
      await s.server.syncManifest();
      const r = await s.get('/items/beta/');
      expect(r.text).toContain('Beta from a sharded cron');
      expect(r.headers['x-isr-cache']).toBe('HIT');
      // What the server holds is exactly what is on disk, page for page.
      expect(s.server.manifest().pages).toEqual((await s.site.manifest()).pages);
      expect(s.server.manifest().pages['/items/beta/']!.builtAt).toBe(T0 + 5_000);
      expect(pagesOf(s)).toEqual(all);
      expect((await s.get('/items/gamma/')).status).toBe(200);
    });
  });
});
