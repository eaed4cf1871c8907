import { describe } from 'vitest';
import { memorySiteStore } from '../../src/store/memory-store.js';
import { stalledSiteFileTests } from '../store/stalled-site-files.js';

describe("a run in an object store (memory) that stalled past its lease, at a site file's or an asset's upload", () => {
  stalledSiteFileTests(async (clock) => memorySiteStore({ clock }));
});
