/**
 * The planner's rules for one page or one named path, apart from the plan itself because
 * `isr status`, `isr serve` and the webhook ask them too: is a page due, when is a failed page
 * tried again, which pages may a `--path` value name. Pure.
 */
import type { PageEntry } from '../manifest/manifest.js';
import type { Revalidate } from '../types.js';

/** True when a thing built at `at` with interval `revalidate` (seconds) is due at `now`. */
export function isDue(at: number, revalidate: Revalidate, now: number): boolean {
  return revalidate !== false && at + revalidate * 1000 <= now;
}

/** The URL paths a valid `--path` value may name: itself, and with a trailing slash if it has none
 * and does not look like a file (`/blog/x` → `/blog/x/`, but `/feed.xml` as is). */
export function namedPathCandidates(raw: string): string[] {
  return raw.endsWith('/') || /\.[A-Za-z0-9]+$/.test(raw) ? [raw] : [raw, `${raw}/`];
}

/** A `.` or `..` segment of a path starting with `/`. */
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** Why a `--path` value cannot name a page, or undefined when it can. */
export function checkNamedPath(p: string): string | undefined {
  if (!p.startsWith('/')) return 'must start with "/"';
  if (p.includes('\0') || p.includes('\\')) return 'contains a null byte or backslash';
  // A regular expression, not split('/'): a webhook of 20k paths checks each twice (~10 ms).
  if (DOT_SEGMENT.test(p)) return 'contains "." or ".." segments';
  if (p.includes('//')) return 'contains "//"';
  if (p.length > 1024) return 'is longer than 1024 characters';
  return undefined;
}

/**
 * When a failed page is tried again: 1 min, 2, 4, … doubling per attempt, never later than its
 * revalidate interval (an hour for `revalidate: false`), so a flapping upstream is not hammered
 * and a page is never staler than its promise.
 */
export function nextRetryAt(now: number, attempts: number, revalidate: Revalidate): number {
  const cap = (revalidate === false ? 3600 : revalidate) * 1000;
  return now + Math.min(cap, 60_000 * 2 ** Math.max(0, attempts - 1));
}

/** A page entry is due now (for `isr status` and serve's stale check). */
export function pageIsDue(entry: PageEntry, now: number): boolean {
  if (entry.status === 'error') return (entry.retryAt ?? 0) <= now;
  return isDue(entry.builtAt, entry.revalidate, now);
}
