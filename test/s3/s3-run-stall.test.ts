import { s3Leases } from '../../src/store/s3-lease.js';
import type { S3ObjectStore } from '../../src/store/s3-store.js';
import { stalledHolderTests } from '../store/stalled-holder.js';
import { describeS3, testSiteStore } from './helpers.js';

// The page put If-Match on the version the manifest recorded (the MD5 of its bytes, S3's ETag),
// against the real server; leases never renewed by a timer (a stalled process renews nothing).
describeS3('a run in the S3 store that stalled past its lease', () => {
  stalledHolderTests(async (clock) => {
    const store = testSiteStore({ label: 'stall', clock });
    return { ...store, leases: s3Leases(store.state as S3ObjectStore, clock, { renewEveryMs: 0 }) };
  });
});
