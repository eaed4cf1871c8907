import { describe } from 'vitest';
import { memorySiteStore } from '../../src/store/memory-store.js';
import { stalledHolderTests } from '../store/stalled-holder.js';

describe('a run in an object store (memory) that stalled past its lease', () => {
  stalledHolderTests(async (clock) => memorySiteStore({ clock }));
});
