/**
 * What a host serving from the bucket sends with an object the S3 store wrote: the headers of a
 * plain GET of it from the real Ceph RGW, not what the store reads back about itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import type { SiteStore } from '../../src/store/store.js';
import { describeS3, emptyStore, getObject, testSiteStore } from './helpers.js';

describeS3('S3 object metadata as served (Ceph RGW)', () => {
  let s: SiteStore;
  let prefix: string;
  const served = (key: string) => getObject(prefix + key);
  beforeAll(() => {
    s = testSiteStore({ label: 'meta' });
    prefix = (s.site as S3ObjectStore).prefix;
  });
  afterAll(async () => {
    await emptyStore(s);
  });

  it('serves a page with its Content-Type, its Cache-Control and its surrogate keys', async () => {
    await s.site.put('blog/x/index.html', new TextEncoder().encode('<h1>x</h1>'), {
      meta: {
        contentType: 'text/html; charset=utf-8',
        cacheControl: 'public, max-age=0, s-maxage=60, stale-while-revalidate=31536000',
        surrogateKeys: ['post:x', 'blog'],
      },
    });
    const res = await served('blog/x/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=60, stale-while-revalidate=31536000');
    expect(res.headers.get('x-amz-meta-surrogate-key')).toBe('post:x blog');
    expect(new TextDecoder().decode(res.body)).toBe('<h1>x</h1>');
  });

  it('serves a redirect page with the S3 website redirect header as well as its stub', async () => {
    await s.site.put('old/index.html', new TextEncoder().encode('<meta http-equiv="refresh" content="0;url=/new/">'), {
      meta: { contentType: 'text/html; charset=utf-8', redirectTo: '/new/' },
    });
    const res = await served('old/index.html');
    expect(res.headers.get('x-amz-website-redirect-location')).toBe('/new/');
    expect(new TextDecoder().decode(res.body)).toContain('url=/new/');
    expect((await s.site.head('old/index.html'))?.meta?.redirectTo).toBe('/new/');
  });

  it('keeps a surrogate key outside printable ASCII readable, and gives it back as it was', async () => {
    await s.site.put('k.html', new TextEncoder().encode('k'), { meta: { surrogateKeys: ['café', '100%'] } });
    expect((await served('k.html')).headers.get('x-amz-meta-surrogate-key')).toBe('caf%C3%A9 100%25');
    expect((await s.site.get('k.html'))?.meta?.surrogateKeys).toEqual(['café', '100%']);
  });
});
