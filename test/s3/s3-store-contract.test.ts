/**
 * The store contract (src/store/store.ts, test/store/store-contract.ts) run on the S3 store
 * against the real Ceph RGW, with S3's one difference: a version is the ETag, the MD5 of the
 * bytes, so two writes of identical bytes share it. Then what only S3 has: its key-length bound.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import { listKeys, type SiteStore } from '../../src/store/store.js';
import { describeStoreContract } from '../store/store-contract.js';
import { describeS3, emptyStore, testSiteStore } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

describeS3('S3 store (Ceph RGW)', () => {
  describeStoreContract('s3', ({ clock }) => testSiteStore({ label: 'contract', clock }), {
    takesOverLapsedLease: true,
    keepsMeta: true,
    versionIsContentHash: true,
    dispose: emptyStore,
  });

  describe('S3 only', () => {
    let s: SiteStore;
    beforeEach(() => {
      s = testSiteStore({ label: 'contract' });
    });
    afterEach(async () => {
      await emptyStore(s);
    });

    it("takes a key up to S3's 1,024 bytes, prefix included, and refuses a longer one as that page's problem", async () => {
      const prefixBytes = Buffer.byteLength((s.site as S3ObjectStore).prefix);
      const longest = `${'é'.repeat(200)}/${'a'.repeat(1024 - prefixBytes - 401 - 11)}/index.html`;
      expect(Buffer.byteLength(longest) + prefixBytes).toBe(1024);
      await s.site.put(longest, bytes('long'));
      expect(text((await s.site.get(longest))?.body)).toBe('long');
      expect(await listKeys(s.site, '')).toEqual([longest]);
      await expect(s.site.put(`x${longest}`, bytes('too long'))).rejects.toMatchObject({ code: 'PAGE_UNWRITABLE' });
    });
  });
});
