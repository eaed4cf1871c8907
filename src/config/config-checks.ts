/**
 * The small checks config validation is built of: unknown keys (with a did-you-mean), how a found
 * value is described in a message, and the value tests. Shared by resolve-config.ts and
 * resolve-route.ts.
 */
import { nearest } from '../did-you-mean.js';
import { IsrError } from '../errors.js';

/** Throws CONFIG_INVALID for a config key: what was expected, what was found, and the way out. */
export type Fail = (key: string, expected: string, found: unknown, hint?: string) => never;

export function checkKeys(obj: Record<string, unknown>, allowed: string[], prefix: string, file: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const near = nearest(k, allowed);
      throw new IsrError('CONFIG_INVALID', `${prefix}${k}: unknown key (known keys: ${allowed.join(', ')})`, {
        file,
        hint: near ? `did you mean "${prefix}${near}"?` : 'remove it',
      });
    }
  }
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 40)}…` : s}`;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
export const isFunction = (v: unknown): boolean => typeof v === 'function';
export const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
export const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
export const isRevalidate = (v: unknown): boolean => v === false || (typeof v === 'number' && Number.isFinite(v) && v >= 1);
