/**
 * The README's Sanity recipe through `isr serve`: `serve.webhook: sanity()` with the webhook's
 * `sanity-webhook-signature` checked by `sanitySignature()`. The signed requests in
 * fixtures/sanity-site/requests were signed by Sanity's own library (see sign.mjs there), a
 * second before this server's clock.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';
import { request, type ServedSite, serveFixture, T0 } from './helpers.js';

const REQUESTS = path.join(REPO, 'fixtures', 'sanity-site', 'requests');

async function saved(name: string): Promise<{ body: string; headers: Record<string, string> }> {
  const file = JSON.parse(await readFile(path.join(REQUESTS, `${name}.request.json`), 'utf8'));
  return { body: await readFile(path.join(REQUESTS, `${name}.json`), 'utf8'), headers: file.headers };
}

describe('isr serve: the Sanity recipe (sanity(), sanitySignature())', () => {
  let s: ServedSite;
  beforeAll(() => {
    process.env.SANITY_WEBHOOK_SECRET = 'isr-test-sanity-secret';
  });
  afterAll(() => {
    delete process.env.SANITY_WEBHOOK_SECRET;
  });
  beforeEach(async () => {
    s = await serveFixture('sanity-site');
  });
  afterEach(() => s?.close());

  const post = (body: string, headers: Record<string, string>) =>
    request(s.server.url, '/__isr/revalidate', { method: 'POST', headers, body });

  it('a delete removes the page that recorded the document, and the listing drops it', async () => {
    expect((await s.get('/posts/hello-sanity/')).status).toBe(200);
    await rm(path.join(s.site.root, 'content/posts/e7a1c0de-4b2f-4c4e-9d2a-0c5b1f3a9e11.json'));
    const { body, headers } = await saved('delete');
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    const answer = JSON.parse(r.text);
    expect(answer.rendered.sort()).toEqual(['/posts/', '/posts/hello-sanity/']);
    expect(answer.removed).toContain('posts/hello-sanity/index.html');
    expect((await s.get('/posts/hello-sanity/')).status).toBe(404);
    expect((await s.get('/posts/')).text).not.toContain('Hello Sanity');
  });

  it('a create renders the new page by its slug, and the listing', async () => {
    const { body, headers } = await saved('create');
    await s.site.write('content/posts/c3d4e5f6-1111-4222-8333-944455556666.json', body);
    const r = await post(body, headers);
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(r.text).rendered.sort()).toEqual(['/posts/', '/posts/fresh-from-sanity/']);
    expect((await s.get('/posts/fresh-from-sanity/')).text).toContain('Fresh from Sanity');
  });

  it('ignores a draft with 200 ignored: true, and refuses a wrong or stale signature with 401', async () => {
    const draft = await saved('draft-update');
    const ignored = await post(draft.body, draft.headers);
    expect(ignored.status).toBe(200);
    expect(JSON.parse(ignored.text)).toEqual({ ok: true, ignored: true, reason: 'draft drafts.c3d4e5f6-1111-4222-8333-944455556666' });
    const { body, headers } = await saved('delete');
    const tampered = await post(body.replace('Hello Sanity', 'Hello SanitY'), headers);
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.text).error).toBe('sanity-webhook-signature does not match (wrong secret, or the request was altered)');
    s.clock.now = T0 + 1000 + 3_600_000;
    const stale = await post(body, headers);
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text).error).toMatch(/^the sanity-webhook-signature timestamp is 3602 s old;/);
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });
});
