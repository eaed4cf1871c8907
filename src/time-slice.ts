/**
 * Cooperative time-slicing for the long synchronous stretches of a run.
 *
 * Why: a run's file work (load, render, stage, renames, site files, manifest) is synchronous on
 * purpose (each call is microseconds; the promise API's thread-pool round trip per call cost a
 * 2-core build most of its time, see ARCHITECTURE.md). Inside `isr serve` that same thread
 * answers requests, and awaiting an already-settled promise never lets the event loop run: a
 * webhook naming 20,000 paths held every GET of a cached page for up to 7.4 s. So the loops of a
 * run call `yieldTurn()` once per item: when the thread has worked for more than a slice
 * (`SERVE_SLICE_MS` in a server) since it last gave the event loop a turn, it gives one
 * (`setImmediate`: pending I/O, i.e. requests, is handled first). A cached GET then waits about
 * one slice plus one item.
 *
 * One process-wide slice, not one per loop: the stretches of one run follow each other (the
 * page loop, then the site files, then the manifest, then the renames), and what matters is the
 * time since the loop last turned, wherever it was spent. Only a process that serves turns the
 * loop this way (`setSliceMs`, called by `createServer`).
 */

/**
 * Longest synchronous stretch between two turns of the event loop in `isr serve`, in ms: small
 * against the 20 ms a cached GET may wait (the bench figure), large against the cost of a turn.
 */
export const SERVE_SLICE_MS = 5;

/**
 * Outside `isr serve` nothing but the lease waits on the loop: a turn every 50 ms made a 20k-page
 * `isr build` ~4% slower in CPU (alternated A/B, BENCHMARKS.md), likely V8 work that runs when
 * the loop turns, so a run gives one only once a second. Never would be wrong: the lease is
 * renewed by a timer (manifest/lock.ts, every 15 s of a 60 s lease), and a build or regen whose
 * synchronous work outlasted the lease without a turn found its lease lapsed at the commit point
 * and published nothing (LOCK_LOST): every 100k-page build on a loaded machine.
 */
export const RUN_SLICE_MS = 1000;
let sliceMs = RUN_SLICE_MS;

/** Set by `createServer`: from then on, runs of this process give a turn every `ms`. */
export function setSliceMs(ms: number): void {
  sliceMs = ms;
}

let since = performance.now();

/**
 * Give the event loop a turn if the current slice is used up; `undefined` (no turn, no promise)
 * otherwise. Await it between items of a long loop.
 *
 * Callers that find the slice used up queue, and each turn of the event loop resumes one of
 * them with a fresh slice: the concurrent page workers of a run (execute-plan.ts), or the
 * callers of a webhook merged into one big run (each merges and serializes the run's whole
 * result), take turns. (Resuming them all at once ran each one's work back to back in the same
 * turn: 16 page workers held the loop for 80 ms, 39 webhook answers for 400 ms.)
 */
export function yieldTurn(): Promise<void> | undefined {
  if (performance.now() - since < sliceMs) return undefined;
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (waiting.length === 1) setImmediate(nextTurn);
  });
}

const waiting: (() => void)[] = [];

function nextTurn(): void {
  since = performance.now();
  waiting.shift()!();
  if (waiting.length) setImmediate(nextTurn);
}

/**
 * Run a computation written as steps (a generator that yields between chunks of its work, such
 * as the planner's `planSteps`) to its end, giving the event loop a turn between steps whenever
 * the slice is used up. Outside `isr serve` it never awaits a turn (see `sliceMs`).
 */
export async function runStepsSliced<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await yieldTurn();
  }
}
