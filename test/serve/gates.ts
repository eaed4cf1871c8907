/**
 * Gates for in-process server tests: promises resolved by the event a test waits for, so the
 * order of events does not depend on how fast the machine is (never a fixed sleep).
 */
import { vi } from 'vitest';
import { RegenQueue, type RegenRequest } from '../../src/serve/regen-queue.js';

export interface RegenRequests {
  /** The matching requests made so far. */
  readonly seen: readonly RegenRequest[];
  /** Resolves once `n` matching requests have reached the queue (each already joined a run). */
  reached(n: number): Promise<void>;
  restore(): void;
}

/**
 * Watch the server's regeneration queue: every request that a page render, a stale page or a
 * webhook makes of it, counted once the queue has taken it in (merged into the running or the
 * next run). A request waiting on a render has made its call, so "n requests are waiting" is
 * `reached(n)`, not a guess at how long they take to arrive.
 */
export function watchRegenRequests(match: (r: RegenRequest) => boolean): RegenRequests {
  const seen: RegenRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const original = RegenQueue.prototype.request;
  const spy = vi.spyOn(RegenQueue.prototype, 'request').mockImplementation(function (this: RegenQueue, req: RegenRequest) {
    const out = original.call(this, req);
    if (match(req)) {
      seen.push(req);
      for (const w of waiters.filter((w) => seen.length >= w.n)) w.resolve();
    }
    return out;
  });
  return {
    seen,
    reached: (n) => (seen.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    restore: () => spy.mockRestore(),
  };
}
