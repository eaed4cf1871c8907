import { s3Leases } from '../../src/store/s3-lease.js';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import { stalledSiteFileTests } from '../store/stalled-site-files.js';
import { describeS3, testSiteStore } from './helpers.js';

// The sitemap and the asset put If-Match on the version recorded when they were last uploaded (the
// MD5 of their bytes, S3's ETag), against the real server; leases never renewed by a timer.
describeS3("a run in the S3 store that stalled past its lease, at a site file's or an asset's upload", () => {
  stalledSiteFileTests(async (clock) => {
    const store = testSiteStore({ label: 'stall-files', clock });
    return { ...store, leases: s3Leases(store.state as S3ObjectStore, clock, { renewEveryMs: 0 }) };
  });
});
