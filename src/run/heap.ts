/** Pages from which a run bounds V8's heap growth (see boundHeapGrowth). */
export const LARGE_RUN_PAGES = 30_000;

let bounded = false;

/**
 * Rendering leaves garbage at a steady rate, and some of it (pages in flight across an await)
 * survives into the old generation. After each full GC V8 lets the heap grow to up to ~4x what
 * survived before the next one, so a 100k-page build with ~260 MB live peaked at ~850 MB RSS;
 * growing 40% per GC keeps it under 600 MB. V8 applies the factor when it next sizes the heap,
 * which in a large run may be the very end, so one full GC is run at once to apply it (~0.1 s).
 * Only for large runs: at 20k pages the bound cost ~8% of the build's CPU and the heap stays
 * well under 300 MB without it (BENCHMARKS.md).
 */
export function boundHeapGrowth(): void {
  if (bounded) return;
  bounded = true;
  // Loaded here, for the large runs only: node:v8 and node:vm cost every run start-up time.
  const { setFlagsFromString } = process.getBuiltinModule('node:v8');
  const { runInNewContext } = process.getBuiltinModule('node:vm');
  setFlagsFromString('--heap-growing-percent=40');
  // `gc` is exposed to contexts created while the flag is on; the process's own global is not
  // touched, and the flag is turned off again at once.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  gc();
}
