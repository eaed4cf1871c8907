import { rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchRegenRequests } from './gates.js';
import { type Reply, request, type ServedSite, serveFixture, T0, until, webhook } from './helpers.js';

const post = (s: ServedSite, body: unknown, headers?: Record<string, string>, path?: string) =>
  webhook(s, body, { secret: 'config-secret', headers, path });

describe('isr serve: on-demand revalidation webhook', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('regenerates a path inside its window and answers after it, with what was rendered and written', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha edited', tags: ['green'] }));
    expect((await s.get('/items/alpha/')).text).toContain('<h1 id="title">Alpha</h1>'); // HIT, still old
    const r = await post(s, { path: '/items/alpha/' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body).toMatchObject({
      ok: true,
      rendered: ['/items/alpha/'],
      written: expect.arrayContaining(['items/alpha/index.html']),
      removed: [],
      failed: [],
    });
    // Answered after the regeneration: the next request sees the new page.
    const page = await s.get('/items/alpha/');
    expect(page.headers['x-isr-cache']).toBe('HIT');
    expect(page.text).toContain('Alpha edited');
    expect(await s.renders()).toEqual(['/items/alpha/']);
    // One line for the call: the run's, naming the page (the webhook's own line would repeat it).
    expect(s.logger.lines.filter((l) => l.includes('/items/alpha/'))).toEqual([
      expect.stringMatching(/^info regenerated \/items\/alpha\/: 1 rendered, \d+ written, 0 removed in \d+ ms$/),
    ]);
  });

  it('accepts paths, tags, the x-isr-secret header and ?secret=', async () => {
    s = await serveFixture('serve-site');
    const many = await post(s, { paths: ['/items/alpha/', '/items/beta'] }, { 'x-isr-secret': 'config-secret' });
    expect(many.status).toBe(200);
    expect(JSON.parse(many.text).rendered.sort()).toEqual(['/items/alpha/', '/items/beta/']);
    const tag = await post(s, { tag: 'tag:green' }, {}, '/__isr/revalidate?secret=config-secret');
    expect(tag.status).toBe(200);
    expect(JSON.parse(tag.text).rendered).toEqual(['/items/alpha/']);
    const tags = await post(s, { tags: ['tag:blue', 'tag:none'] });
    expect(JSON.parse(tags.text)).toMatchObject({ rendered: ['/items/beta/'], unmatchedTags: ['tag:none'] });
    // A call that changed nothing is still logged.
    await post(s, { tag: 'tag:none' });
    expect(s.logger.lines).toContain('info revalidate tag:tag:none: 0 rendered, 0 failed');
  });

  it('maps a Contentful payload through serve.webhook', async () => {
    s = await serveFixture('serve-site');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta from the CMS' }));
    const payload = {
      sys: { type: 'Entry', id: '5KsDBWseXY6QegucYAoacS', contentType: { sys: { id: 'item' } } },
      fields: { slug: { 'en-US': 'beta' }, title: { 'en-US': 'Beta from the CMS' } },
    };
    const r = await post(s, payload);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).rendered).toEqual(['/items/beta/']);
    expect((await s.get('/items/beta/')).text).toContain('Beta from the CMS');
    // A payload the mapping ignores (returns nothing for): 200 with ignored: true, so a CMS does
    // not log a failed delivery and retry it; nothing rendered.
    const ignored = await post(s, { sys: { type: 'DeletedAsset' } });
    expect(ignored.status).toBe(200);
    expect(JSON.parse(ignored.text)).toEqual({ ok: true, ignored: true });
    expect(await s.renders()).toEqual(['/items/beta/']);
  });

  it('refuses a missing or wrong secret with 401', async () => {
    s = await serveFixture('serve-site');
    expect((await post(s, { path: '/items/alpha/' }, {})).status).toBe(401);
    expect((await post(s, { path: '/items/alpha/' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(s, { path: '/items/alpha/' }, { authorization: 'Bearer config-secre' })).status).toBe(401);
    expect((await post(s, { path: '/items/alpha/' }, { 'x-isr-secret': 'config-secret-and-more' })).status).toBe(401);
    expect((await post(s, { path: '/items/alpha/' }, {}, '/__isr/revalidate?secret=nope')).status).toBe(401);
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });

  it('lets ISR_REVALIDATE_SECRET win over serve.revalidateSecret', async () => {
    s = await serveFixture('serve-site', { env: { ISR_REVALIDATE_SECRET: 'env-secret' } });
    expect((await post(s, { path: '/items/alpha/' })).status).toBe(401);
    expect((await post(s, { path: '/items/alpha/' }, { authorization: 'Bearer env-secret' })).status).toBe(200);
  });

  it('is off without a secret: the path is just a 404', async () => {
    s = await serveFixture('serve-site', { configure: (c) => ({ ...c, serve: { ...c.serve, revalidateSecret: undefined } }) });
    const r = await post(s, { path: '/items/alpha/' });
    expect(r.status).toBe(404);
    expect(await s.renders()).toEqual([]);
  });

  it('answers 400 to bad JSON or a body naming nothing, and 405 to other methods', async () => {
    s = await serveFixture('serve-site');
    expect((await post(s, '{"path": ')).status).toBe(400);
    expect((await post(s, '')).status).toBe(400);
    expect((await post(s, { paths: ['relative/path'] })).status).toBe(400);
    expect((await post(s, { paths: ['/a/../b/'] })).status).toBe(400);
    const get = await request(s.server.url, '/__isr/revalidate', { headers: { authorization: 'Bearer config-secret' } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await request(s.server.url, '/__isr/revalidate', { method: 'PUT', body: '{}' })).status).toBe(405);
    // A path that matches no route is reported, not rendered.
    const none = await post(s, { path: '/nowhere/' });
    expect(none.status).toBe(200);
    expect(JSON.parse(none.text)).toMatchObject({ ok: false, rendered: [], errors: [{ path: '/nowhere/', message: 'matches no route' }] });
  });

  it('answers 413 to a body over 1 MB without reading it (declared length)', async () => {
    s = await serveFixture('serve-site');
    const reply = await rawExchange(s.server.url, [
      'POST /__isr/revalidate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer config-secret\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n',
    ]);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('answers 413 to a chunked body that grows past 1 MB', async () => {
    s = await serveFixture('serve-site');
    const chunk = Buffer.alloc(256 * 1024, 'a').toString();
    const part = `${(chunk.length).toString(16)}\r\n${chunk}\r\n`;
    const reply = await rawExchange(s.server.url, [
      'POST /__isr/revalidate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer config-secret\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array(5).fill(part),
    ]);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect((await s.get('/')).status).toBe(200);
  });

  it('merges calls that arrive during a running regeneration into one follow-up run, never into the running (possibly stale) one', async () => {
    s = await serveFixture('serve-site');
    // The regeneration is held open by a gate file until both calls have reached the server, so
    // "joins" does not depend on how fast this machine is.
    await s.site.write('beta.gate', '');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Slow beta', gate: 'beta.gate' }));
    s.clock.now = T0 + 61_000;
    expect((await s.get('/items/beta/')).headers['x-isr-cache']).toBe('STALE'); // starts a background regeneration
    await until(async () => (await s.renders()).length > 0, 'the background regeneration to be running');
    const asked = watchRegenRequests((r) => r.paths?.includes('/items/beta/') === true);
    let a: Reply, b: Reply;
    try {
      const calls = Promise.all([post(s, { path: '/items/beta/' }), post(s, { path: '/items/beta/' })]);
      await asked.reached(2); // both calls are in the queue; the render is still held
      await rm(path.join(s.site.root, 'beta.gate'));
      [a, b] = await calls;
    } finally {
      asked.restore();
    }
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(JSON.parse(a.text).rendered).toEqual(['/items/beta/']);
    expect(JSON.parse(b.text).rendered).toEqual(['/items/beta/']);
    // The background render that was running, then ONE more for both calls.
    expect(await s.renders()).toEqual(['/items/beta/', '/items/beta/']);
  });
});

/** Write raw request bytes, return what the server answered before closing or going quiet. */
function rawExchange(base: string, parts: string[]): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = net.connect(Number(u.port), u.hostname, () => {
      for (const p of parts) sock.write(p);
    });
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (/\r\n\r\n/.test(got)) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', (e) => (got ? resolve(got) : reject(e)));
    sock.on('close', () => resolve(got));
  });
}
