import { IsrError } from './errors.js';

/**
 * The one place isr reads the time. `ISR_NOW` (ISO 8601 or epoch milliseconds) pins it, so tests
 * and reproductions move time by setting a variable instead of sleeping.
 */
export type Clock = () => number;

export function parseNow(value: string): number {
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isFinite(ms)) {
    throw new IsrError('USAGE', `ISR_NOW: expected an ISO 8601 date or epoch milliseconds, found "${value}"`, {
      hint: 'e.g. ISR_NOW=2026-01-01T00:00:00Z',
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
