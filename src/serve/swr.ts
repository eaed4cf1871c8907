/**
 * The stale-while-revalidate decision of `isr serve`, as a pure function of one manifest entry
 * and the time. No disk, no clock, no queue: the server asks, then acts (serve, start a
 * background regeneration, or render while the request waits).
 */
import type { PageEntry } from '../manifest/manifest.js';
import { isDue, pageIsDue } from '../plan/page-rules.js';

/** The `x-isr-cache` header values of a page response. */
export type CacheState = 'HIT' | 'STALE' | 'MISS' | 'ERROR';

export type SwrDecision =
  /**
   * Serve what is published now: the page file (or its redirect), or the 404 page for a
   * `notFound` entry. `regenerate` asks for one background regeneration.
   */
  | { action: 'serve'; cache: 'HIT' | 'STALE'; regenerate: boolean }
  /** Nothing good was ever published for this path: render now while the request waits. */
  | { action: 'render' }
  /** It failed before anything good was published and is backing off until `retryAt`. */
  | { action: 'fail'; retryAt: number };

/**
 * What to do with a request for a known page at `now`.
 *
 * "Due" is `pageIsDue` from the planner, so the server regenerates exactly when `isr regen`
 * would: past `builtAt + revalidate`, or for a failed page once its backoff (`retryAt`) is over.
 * A failed page keeps being served from its last good file in between.
 */
export function decideSwr(entry: PageEntry, now: number): SwrDecision {
  const hasContent = entry.status === 'notFound' || entry.file !== undefined;
  const due = pageIsDue(entry, now);
  if (!hasContent) return due ? { action: 'render' } : { action: 'fail', retryAt: entry.retryAt ?? now };
  const pastWindow = isDue(entry.builtAt, entry.revalidate, now);
  return { action: 'serve', cache: due || pastWindow ? 'STALE' : 'HIT', regenerate: due };
}
