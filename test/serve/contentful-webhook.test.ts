/**
 * The README's Contentful recipe through `isr serve`: a German space (default locale de-DE)
 * behind the http source, `serve.webhook: contentful()`, and Contentful's request verification
 * (`serve.verify: contentfulSignature()`). The signed requests in fixtures/contentful-site/requests
 * were signed by Contentful's own library (see sign.mjs there), with a timestamp a second before
 * this server's clock; their payloads are shaped as Contentful documents them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asset, type Cda, DELIVERY_TOKEN, entry, startCda } from '../helpers/contentful-cda.js';
import { REPO } from '../helpers/site.js';
import { request, type ServedSite, serveFixture, T0 } from './helpers.js';

const SIGNING_SECRET = 'isrTestSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH';
const REQUESTS = path.join(REPO, 'fixtures', 'contentful-site', 'requests');
const HERO = '1x0xpXu4pSGS4OukSyWGUK';

/** A saved request of the fixture: its body and headers, as Contentful sent (signed) them. */
async function saved(name: string, payload = name): Promise<{ body: string; headers: Record<string, string> }> {
  const file = JSON.parse(await readFile(path.join(REQUESTS, `${name}.request.json`), 'utf8'));
  return { body: await readFile(path.join(REQUESTS, `${payload}.json`), 'utf8'), headers: file.headers };
}

function seed(cda: Cda): void {
  cda.entries.clear();
  cda.assets.clear();
  cda.entries.set(
    '5KsDBWseXY6QegucYAoacS',
    entry('5KsDBWseXY6QegucYAoacS', {
      title: 'Hallo Welt',
      slug: 'hallo-welt',
      body: 'Erster Beitrag.',
      hero: { sys: { type: 'Link', linkType: 'Asset', id: HERO } },
    }),
  );
  cda.entries.set(
    '6rTlDRYjTKq0MuSSCEOQqM',
    entry('6rTlDRYjTKq0MuSSCEOQqM', { title: 'Zweiter Beitrag', slug: 'zweiter-beitrag', body: 'Noch einer.' }),
  );
  cda.assets.set(HERO, asset(HERO, 'Berge', `//images.ctfassets.net/space1/${HERO}/1a1b1c/berge.jpg`));
}

describe('isr serve: the Contentful recipe (contentful(), contentfulSignature())', () => {
  let cda: Cda;
  let s: ServedSite;
  beforeAll(async () => {
    cda = await startCda();
    process.env.CDA_URL = cda.url;
    process.env.CONTENTFUL_DELIVERY_TOKEN = DELIVERY_TOKEN;
    process.env.CONTENTFUL_SIGNING_SECRET = SIGNING_SECRET;
  });
  afterAll(async () => {
    delete process.env.CDA_URL;
    delete process.env.CONTENTFUL_DELIVERY_TOKEN;
    delete process.env.CONTENTFUL_SIGNING_SECRET;
    await cda.close();
  });
  beforeEach(async () => {
    seed(cda);
    s = await serveFixture('contentful-site');
  });
  afterEach(() => s?.close());

  const post = (body: string, headers: Record<string, string>) =>
    request(s.server.url, '/__isr/revalidate', { method: 'POST', headers, body });

  it('Entry.unpublish (a tombstone: sys, no fields) removes the page it recorded, and the listing drops it', async () => {
    expect((await s.get('/blog/hallo-welt/')).status).toBe(200);
    cda.entries.delete('5KsDBWseXY6QegucYAoacS');
    const { body, headers } = await saved('unpublish');
    expect(JSON.parse(body).fields).toBeUndefined();
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    const answer = JSON.parse(r.text);
    expect(answer.ok).toBe(true);
    expect(answer.rendered.sort()).toEqual(['/blog/', '/blog/hallo-welt/']);
    expect(answer.removed).toContain('blog/hallo-welt/index.html');
    expect((await s.get('/blog/hallo-welt/')).status).toBe(404);
    const listing = await s.get('/blog/');
    expect(listing.text).not.toContain('Hallo Welt');
    expect(listing.text).toContain('Zweiter Beitrag');
  });

  it('Entry.publish of a new entry in a de-DE space renders its page (not /blog/undefined/) and the listing', async () => {
    cda.entries.set(
      '3wtvPBbBjiMKqKKga8I2Cu',
      entry('3wtvPBbBjiMKqKKga8I2Cu', { title: 'Neuer Beitrag', slug: 'neuer-beitrag', body: 'Frisch.' }),
    );
    const { body, headers } = await saved('publish');
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(r.text).rendered.sort()).toEqual(['/blog/', '/blog/neuer-beitrag/']);
    const page = await s.get('/blog/neuer-beitrag/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 id="title">Neuer Beitrag</h1>');
    expect((await s.get('/blog/')).text).toContain('Neuer Beitrag');
    expect((await s.get('/blog/undefined/')).status).toBe(404);
  });

  it('Asset.publish re-renders the pages that show the asset, and only those', async () => {
    cda.assets.set(HERO, asset(HERO, 'Berge im Nebel', `//images.ctfassets.net/space1/${HERO}/2a2b2c/berge-neu.jpg`));
    await s.site.write('renders.log', '');
    const { body, headers } = await saved('asset-publish');
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(r.text).rendered).toEqual(['/blog/hallo-welt/']);
    expect((await s.get('/blog/hallo-welt/')).text).toContain('berge-neu.jpg');
    expect(await s.renders()).toEqual(['/blog/hallo-welt/']);
  });

  it('answers an event it ignores (Entry.auto_save) 200 with ignored: true and renders nothing', async () => {
    const { body, headers } = await saved('auto-save', 'publish');
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ ok: true, ignored: true, reason: 'ContentManagement.Entry.auto_save' });
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });

  it('refuses a wrong signature, a stale timestamp and an unsigned call with 401 and one clear line, rendering nothing', async () => {
    const { body, headers } = await saved('unpublish');
    const tampered = await post(body.replace('5KsDBWseXY6QegucYAoacS', '6rTlDRYjTKq0MuSSCEOQqM'), headers);
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.text).error).toMatch(/^x-contentful-signature does not match/);
    const unsigned = await post(body, { 'content-type': 'application/json', 'x-contentful-topic': 'ContentManagement.Entry.unpublish' });
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(unsigned.text).error).toMatch(/^no x-contentful-signature header/);
    const wrongSecret = await post(body, { authorization: 'Bearer guess', 'x-contentful-topic': 'ContentManagement.Entry.unpublish' });
    expect(wrongSecret.status).toBe(401);
    expect(JSON.parse(wrongSecret.text).error).toMatch(/^wrong secret, and no x-contentful-signature header/);
    s.clock.now = T0 + 1000 + 10 * 60_000; // ten minutes after it was signed; 300 s are accepted
    const stale = await post(body, headers);
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text).error).toBe('x-contentful-timestamp is 602 s old; at most 300 s either way are accepted (tolerance)');
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
    expect((await s.get('/blog/hallo-welt/')).status).toBe(200);
  });
});

describe('isr serve: contentful() with the shared secret: malformed payloads get 400 with one line', () => {
  let cda: Cda;
  let s: ServedSite;
  beforeAll(async () => {
    cda = await startCda();
    seed(cda);
    process.env.CDA_URL = cda.url;
    process.env.CONTENTFUL_DELIVERY_TOKEN = DELIVERY_TOKEN;
    s = await serveFixture('contentful-site', { configure: (c) => ({ ...c, serve: { ...c.serve, revalidateSecret: 'shared' } }) });
  });
  afterAll(async () => {
    await s?.close();
    delete process.env.CDA_URL;
    delete process.env.CONTENTFUL_DELIVERY_TOKEN;
    await cda.close();
  });

  it('refuses payloads that are not Contentful entities, or lack the slug in the configured locale', async () => {
    const call = (body: unknown, topic = 'ContentManagement.Entry.publish') =>
      request(s.server.url, '/__isr/revalidate', {
        method: 'POST',
        headers: { authorization: 'Bearer shared', 'x-contentful-topic': topic },
        body: JSON.stringify(body),
      });
    const cases: [unknown, string][] = [
      [{ fields: { slug: { 'de-DE': 'x' } } }, 'not a Contentful webhook payload: no "sys" object'],
      [{ sys: { type: 'Entry' } }, 'not a Contentful webhook payload: "sys" has no "id" and "type" strings'],
      [
        { sys: { type: 'Entry', id: 'e1', contentType: { sys: { id: 'blogPost' } } }, fields: { slug: { 'en-US': 'hello' } } },
        'Entry e1 (blogPost) in locale de-DE has no "slug" to fill /blog/:slug/',
      ],
      [
        { sys: { type: 'Entry', id: 'e1', contentType: { sys: { id: 'blogPost' } } }, fields: { slug: { 'de-DE': 'a/b' } } },
        'Entry e1 (blogPost) in locale de-DE: /blog/:slug/: param "slug" = "a/b" contains a slash',
      ],
      [{ sys: { type: 'Asset', id: 'a1' } }, 'topic ContentManagement.Entry.publish with a payload of sys.type Asset'],
    ];
    for (const [body, error] of cases) {
      const r = await call(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.text).error).toBe(error);
    }
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });
});
