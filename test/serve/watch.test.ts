import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture, until } from './helpers.js';

describe('isr serve --watch', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('re-renders only the pages a content change affects', async () => {
    s = await serveFixture('serve-site', { watch: true });
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta edited', tags: ['blue'] }));
    await until(async () => (await s.get('/items/beta/')).text.includes('Beta edited'), 'the edited page');
    await s.server.idle();
    // beta's page and the pages listing the collection (the home page); not alpha, not /fixed/.
    expect((await s.renders()).sort()).toEqual(['/', '/items/beta/']);
    expect((await s.get('/')).text).toContain('Beta edited');
    expect(await readFile(path.join(s.config.outDir, 'items/beta/index.html'), 'utf8')).not.toContain('EventSource');
  });

  it('renders a page for an added content file and removes the page of a deleted one', async () => {
    s = await serveFixture('serve-site', { watch: true });
    await s.site.write('content/items/epsilon.json', JSON.stringify({ title: 'Epsilon' }));
    await until(async () => (await s.get('/')).text.includes('Epsilon'), 'the new item on the home page');
    await s.server.idle();
    expect((await s.site.manifest()).pages['/items/epsilon/']).toMatchObject({ status: 'ok' });
    expect((await s.get('/items/epsilon/')).headers['x-isr-cache']).toBe('HIT');

    await rm(path.join(s.site.root, 'content/items/alpha.json'));
    await until(async () => (await s.get('/items/alpha/')).status === 404, 'the deleted item to 404');
    await s.server.idle();
    expect((await s.get('/')).text).not.toContain('Alpha');
  });

  it('re-renders the pages of a changed template (and of its partials) only', async () => {
    s = await serveFixture('serve-site', { watch: true });
    const tpl = await s.site.read('templates/fixed.eta');
    await s.site.write('templates/fixed.eta', tpl.replace('<h1>Fixed', '<h1>Fixed v2'));
    await until(async () => (await s.get('/fixed/one/')).text.includes('Fixed v2'), 'the new template');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/fixed/one/']);
  });

  // Config reloading is tested against the real CLI in cli.test.ts: vitest's module runner caches
  // the config module however its URL is varied, where Node's loader does not.

  it('injects the live-reload script into served HTML only, and tells open streams to reload', async () => {
    s = await serveFixture('serve-site', { watch: true });
    const page = await s.get('/items/alpha/');
    expect(page.text).toContain('new EventSource("/__isr/live")');
    expect(page.text.indexOf('EventSource')).toBeLessThan(page.text.indexOf('</body>'));
    expect((await s.get('/feed.json')).text).not.toContain('EventSource');
    expect(await readFile(path.join(s.config.outDir, 'items/alpha/index.html'), 'utf8')).not.toContain('EventSource');

    const events: string[] = [];
    const stream = await new Promise<http.IncomingMessage>((resolve) => http.get(new URL('/__isr/live', s.server.url), resolve));
    expect(stream.headers['content-type']).toBe('text/event-stream');
    stream.on('data', (d: Buffer) => events.push(d.toString()));
    await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha live' }));
    await until(async () => events.join('').includes('event: reload'), 'a reload event');
    stream.destroy();
  });

  it('serves no live-reload script or endpoint without --watch', async () => {
    s = await serveFixture('serve-site');
    expect((await s.get('/items/alpha/')).text).not.toContain('EventSource');
    expect((await s.get('/__isr/live')).status).toBe(404);
  });
});
