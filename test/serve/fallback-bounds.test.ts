import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture, T0, webhook } from './helpers.js';

// 100 × "中": 100 characters (under any character limit), 300 bytes as UTF-8 on disk (over
// NAME_MAX, 255): the write of such a folder fails with ENAMETOOLONG.
const WIDE = '中'.repeat(100);
const WIDE_URL = `/any/${encodeURIComponent(WIDE)}/`;

const revalidate = (s: ServedSite, body: unknown) => webhook(s, body, { secret: 'bounds-secret' });

describe('isr serve: a bad fallback path fails alone', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('answers 404 for a fallback path whose param is over 200 bytes as UTF-8, without a run', async () => {
    s = await serveFixture('serve-bounds');
    const r = await s.get(WIDE_URL);
    expect(r.status).toBe(404);
    expect(r.text).toContain('bounds 404');
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
    expect(s.logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
    // A param of 198 bytes still renders.
    const fits = await s.get(`/any/${encodeURIComponent('中'.repeat(66))}/`);
    expect(fits.status).toBe(200);
  });

  it('reports an over-long webhook path in errors and still renders the other paths of the call', async () => {
    s = await serveFixture('serve-bounds');
    const r = await revalidate(s, { paths: [`/any/${WIDE}/`, '/any/fine/'] });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.rendered).toEqual(['/any/fine/']);
    expect(body.errors).toEqual([{ path: `/any/${WIDE}/`, message: 'has a path segment of 300 bytes as UTF-8 (at most 200)' }]);
  });

  it('fails only the page whose file cannot be written (a file in the way), not the run', async () => {
    s = await serveFixture('serve-bounds');
    // A plain file where the page's folder must go: mkdir fails with EEXIST/ENOTDIR for that path only.
    await writeFile(path.join(s.site.root, 'dist/any/taken'), 'not a folder');
    const r = await revalidate(s, { paths: ['/any/taken/', '/any/fine/'] });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.rendered).toEqual(['/any/fine/']);
    expect(body.failed).toHaveLength(1);
    expect(body.failed[0].path).toBe('/any/taken/');
    expect(body.failed[0].error).toMatch(/cannot write any\/taken\/index\.html: (EEXIST|ENOTDIR)/);
    expect((await s.get('/any/fine/')).status).toBe(200);
  });

  it("renders the other pages of a run that one page's bad input aborted, and reports that page as failed", async () => {
    s = await serveFixture('serve-bounds');
    // One run for both: /any/bad/'s load() returns a non-object (an input error aborts the run).
    const r = await revalidate(s, { paths: ['/any/bad/', '/any/listed/'] });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.ok).toBe(false);
    expect(body.rendered).toEqual(['/any/listed/']);
    expect(body.failed).toEqual([
      {
        path: '/any/bad/',
        error: expect.stringMatching(/^\/any\/bad\/: route "any": load\(\) for \/any\/bad\/ returned number, expected an object/),
      },
    ]);
    expect((await s.site.manifest()).pages['/any/listed/'].builtAt).toBe(T0 + 1000);
    expect((await s.site.manifest()).pages['/any/bad/']).toBeUndefined();
    expect(s.logger.lines.some((l) => l.includes('the other pages of its run go again without it'))).toBe(true);
  });

  it('keeps regenerating other pages after a run that aborted', async () => {
    s = await serveFixture('serve-bounds');
    // load() of /any/bad/ returns a non-object: an input error, its run aborts (500 for the waiting request).
    const bad = await s.get('/any/bad/');
    expect(bad.status).toBe(500);
    // Another page goes stale right after: its background regeneration is not held back.
    s.clock.now = T0 + 61_000;
    const stale = await s.get('/');
    expect(stale.headers['x-isr-cache']).toBe('STALE');
    await s.server.idle();
    expect(await s.renders()).toEqual(['/any/bad/', '/']);
    expect((await s.site.manifest()).pages['/'].builtAt).toBe(T0 + 61_000);
  });
});
