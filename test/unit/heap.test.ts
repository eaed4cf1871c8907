import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from '../../src/run/heap.js';

// Large runs bound V8's heap growth and apply it with one full GC (run/heap.ts). Its effect on
// peak memory is measured by the benchmarks (100k pages under 600 MB); here, that the call does
// what it says in the process: one major GC at once, and `gc` left unexposed afterwards.
describe('bounding the heap growth of a large run', () => {
  it('runs one full GC at once, leaves gc unexposed, and does it once per process', async () => {
    const watch = async (f: () => void) => {
      let n = 0;
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) n++;
      });
      obs.observe({ entryTypes: ['gc'] });
      f();
      await new Promise((r) => setTimeout(r, 50));
      obs.disconnect();
      return n;
    };
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    expect(await watch(() => boundHeapGrowth())).toBeGreaterThanOrEqual(1);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    // A second large run in the same process (isr serve) does not collect again.
    expect(await watch(() => boundHeapGrowth())).toBe(0);
  });
});
