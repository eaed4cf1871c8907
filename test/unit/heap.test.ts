import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from '../../src/run/heap.js';

// Large runs bound V8's heap growth and apply it with one full GC (run/heap.ts). Its effect on
// peak memory is measured by the benchmarks (100k pages under 600 MB); here, that the call does
// what it says in the process: one major GC at once, and `gc` left unexposed afterwards.

/** A full GC of our own, got the way heap.ts gets one (the global `gc` is never exposed). */
function markerGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  return gc;
}

const isMajor = (e: PerformanceEntry) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;

/**
 * Major GCs that `f` ran. GC entries reach an observer later, in order: a marker GC run after `f`
 * closes the window, and once its entry is in, every entry of `f`'s has been delivered too (an
 * event to wait for, not a guess at how long delivery takes).
 */
async function majorGcsOf(f: () => void, gc: () => void): Promise<number> {
  const majors: number[] = [];
  let markAt = Infinity;
  let closed!: () => void;
  const windowClosed = new Promise<void>((r) => (closed = r));
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!isMajor(e)) continue;
      if (e.startTime >= markAt) closed();
      else majors.push(e.startTime);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const from = performance.now();
  f();
  markAt = performance.now();
  gc();
  await windowClosed;
  obs.disconnect();
  return majors.filter((t) => t >= from).length;
}

describe('bounding the heap growth of a large run', () => {
  it('runs one full GC at once, leaves gc unexposed, and does it once per process', async () => {
    const gc = markerGc();
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    // The marker alone: nothing between the two instants.
    expect(await majorGcsOf(() => {}, gc)).toBe(0);
    expect(await majorGcsOf(() => boundHeapGrowth(), gc)).toBeGreaterThanOrEqual(1);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    // A second large run in the same process (isr serve) does not collect again.
    expect(await majorGcsOf(() => boundHeapGrowth(), gc)).toBe(0);
  });
});
