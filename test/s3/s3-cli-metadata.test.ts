/**
 * Objects as a host serves them, after `isr build` / `isr regen` through the CLI into the real
 * Ceph RGW (the shop fixture: one item with its own revalidate): each page's Content-Type, its
 * Cache-Control equal to what the site's own `_headers` says for the same URL, the S3 website
 * redirect header on a redirect page (with its stub body), and a removed page deleted.
 * Metadata is read with a plain signed GET of the object (the S3 store's client), as served.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { bareRunner, bucketAt, describeS3Cli, s3Env, storeFlags } from './cli-helpers.js';
import { emptyStore, getObject, uniquePrefix } from './helpers.js';

const NOW = '2026-06-01T00:00:00Z';
const LATER = '2026-06-01T01:00:00Z';

/** The Cache-Control `_headers` gives `urlPath`: the last rule whose pattern matches it (rules go from general to specific). */
function cacheControlFromHeadersFile(text: string, urlPath: string): string | undefined {
  let pattern: RegExp | undefined;
  let found: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('/')) {
      const source = line
        .trim()
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/:[a-z]\w*/gi, '[^/]+')
        .replace(/\*/g, '.*');
      pattern = new RegExp(`^${source}$`);
    } else {
      const m = /^\s+Cache-Control:\s*(.+)$/i.exec(line);
      if (m && pattern?.test(urlPath)) found = m[1]!.trim();
    }
  }
  return found;
}

describeS3Cli('objects as served after a run through the CLI (Ceph RGW)', () => {
  let site: TempSite;
  let prefix: string;
  let bucket: SiteStore;
  const served = (key: string) => getObject(prefix + key);
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

  beforeEach(async () => {
    site = await tempSite('shop');
    prefix = uniquePrefix('meta-cli');
    bucket = bucketAt(prefix);
    const built = await site.run(['build', ...storeFlags(prefix)], { now: NOW, env: s3Env() });
    expect(built.code, built.stderr).toBe(0);
  });
  afterEach(async () => {
    await site.cleanup();
    await emptyStore(bucket);
  });

  it("gives every page the Content-Type of HTML and the Cache-Control its _headers rule says, a page's own revalidate included", async () => {
    const headersFile = text((await served('_headers')).body);
    const pages: [string, string][] = [
      ['/', 'index.html'],
      ['/items/apple/', 'items/apple/index.html'],
      ['/items/cherry/', 'items/cherry/index.html'],
      ['/about/', 'about/index.html'],
    ];
    for (const [url, key] of pages) {
      const res = await served(key);
      expect(res.status, key).toBe(200);
      expect(res.headers.get('content-type'), key).toBe('text/html; charset=utf-8');
      const expected = cacheControlFromHeadersFile(headersFile, url);
      expect(expected, `_headers has a rule for ${url}`).toBeDefined();
      expect(res.headers.get('cache-control'), key).toBe(expected);
    }
    // cherry's own revalidate (600) differs from its route's (300): the object follows the page, not the route.
    expect((await served('items/cherry/index.html')).headers.get('cache-control')).toBe(
      'public, max-age=0, s-maxage=600, stale-while-revalidate=600',
    );
    expect((await served('sitemap.xml')).headers.get('content-type')).toMatch(/^application\/xml|^text\/xml/);
  });

  it('turns a moved item into a redirect object, and deletes a removed one, from a bare runner', async () => {
    await bareRunner(site.root);
    await site.write('data/items/banana.json', '{ "name": "Banana", "price": 2, "movedTo": "/items/apple/", "permanent": true }\n');
    await site.write('data/items/cherry.json', '{ "name": "Cherry", "price": 3, "gone": true }\n');
    const r = await site.run(['regen', ...storeFlags(prefix)], { now: LATER, env: s3Env() });
    expect(r.code, r.stderr).toBe(0);

    const moved = await served('items/banana/index.html');
    expect(moved.status).toBe(200);
    expect(moved.headers.get('x-amz-website-redirect-location')).toBe('/items/apple/');
    expect(text(moved.body)).toContain('/items/apple/'); // the stub, for hosts that ignore the header
    expect(moved.headers.get('content-type')).toBe('text/html; charset=utf-8');

    expect((await served('items/cherry/index.html')).status).toBe(404);
    expect(await bucket.site.head('items/cherry/index.html')).toBeUndefined();
    expect(text((await served('sitemap.xml')).body)).not.toContain('/items/cherry/');
    expect(text((await served('items/apple/index.html')).body)).toContain('Apple');
  });
});
