/**
 * Past S3's page and batch sizes, against the real Ceph RGW: ListObjectsV2 answers at most 1,000
 * keys a page, DeleteObjects takes at most 1,000 keys a request.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DELETE_BATCH } from '../../src/store/s3-store.js';
import { listKeys, type SiteStore } from '../../src/store/store.js';
import { countingFetch, describeS3, emptyStore, testSiteStore } from './helpers.js';

const N = 2_345;

describeS3('S3 list paging and batched delete (Ceph RGW)', () => {
  const requests = countingFetch();
  let s: SiteStore;
  const keys = Array.from({ length: N }, (_, i) => `p/${String(i).padStart(5, '0')}.html`);

  beforeAll(async () => {
    s = testSiteStore({ label: 'paging', fetch: requests.fetch });
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const k = keys[next++]!;
        await s.site.put(k, new TextEncoder().encode(k));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  }, 120_000);
  afterAll(async () => {
    if (s) await emptyStore(s);
  });

  it('lists every key across pages of 1,000, in order', async () => {
    requests.reset();
    expect(await listKeys(s.site, 'p/')).toEqual(keys);
    expect(requests.count.GET).toBe(Math.ceil(N / 1000));
  });

  it('deletes past 1,000 keys in batches of 1,000, absent keys included', async () => {
    requests.reset();
    await s.site.deleteMany([...keys, 'p/never-written.html']);
    expect(DELETE_BATCH).toBe(1000);
    expect(requests.count['DELETE-BATCH']).toBe(Math.ceil((N + 1) / 1000));
    expect(await listKeys(s.site, 'p/')).toEqual([]);
  });
});
