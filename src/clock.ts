import { IsrError } from './errors.js';

/**
 * The one place isr reads the time. `ISR_NOW` (ISO 8601 or epoch milliseconds) pins it, so tests
 * and reproductions move time by setting a variable instead of sleeping.
 */
export type Clock = () => number;

/**
 * The times isr accepts as "now": 2000-01-01 to 2200-01-01 (UTC). A pinned clock outside it is a
 * typo (`ISR_NOW=1`, seconds for milliseconds) or an attack on the schedule: `1e20` written as a
 * page's `builtAt` would make nothing due ever again. The manifest's times are held to the same
 * ceiling (manifest/parse.ts).
 */
export const MIN_NOW = Date.UTC(2000, 0, 1);
export const MAX_NOW = Date.UTC(2200, 0, 1);

/** Epoch milliseconds, or an ISO 8601 date with optional time and zone (no spaces around it). */
const EPOCH_MS = /^\d+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** `value` as epoch ms; `what` names the setting in the error (`ISR_NOW`, `ISR_NOW_FILE <file>`). */
export function parseNow(value: string, what = 'ISR_NOW'): number {
  const ms = EPOCH_MS.test(value) ? Number(value) : ISO_DATE.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new IsrError('USAGE', `${what}: expected an ISO 8601 date or epoch milliseconds, found ${JSON.stringify(value)}`, {
      hint: 'e.g. ISR_NOW=2026-01-01T00:00:00Z',
    });
  }
  if (ms < MIN_NOW || ms >= MAX_NOW) {
    throw new IsrError('USAGE', `${what}: ${JSON.stringify(value)} is outside 2000-01-01..2200-01-01`, {
      hint: 'give epoch milliseconds (13 digits), not seconds, or an ISO date such as 2026-01-01T00:00:00Z',
    });
  }
  return ms;
}

/** `ISR_NOW` when set (read once, at start), else the system clock. */
export function systemClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const fixed = env.ISR_NOW;
  if (fixed) {
    const ms = parseNow(fixed);
    return () => ms;
  }
  return Date.now;
}
