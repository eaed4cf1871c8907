/**
 * The parts every store shares: key checks, the precondition error, and the version the
 * filesystem store gives a file (also the signature `isr serve` compares a manifest head by).
 */
import { type IsrError, invariant, isrError } from '../errors.js';
import type { Precondition } from './store.js';

/** Keys are relative, '/'-separated, without empty, `.` or `..` segments: a key never leaves its store. */
export function checkKey(key: string): void {
  invariant(
    key.length > 0 && !key.startsWith('/') && !key.split('/').some((s) => s === '' || s === '.' || s === '..') && !key.includes('\\'),
    `store key ${JSON.stringify(key)} is not a relative '/'-separated path`,
  );
}

/** The rejection of a conditional write whose condition did not hold. */
export function preconditionFailed(where: string, key: string, want: Precondition, found: string | undefined): IsrError {
  const expected = 'ifAbsent' in want ? 'no object' : `version ${want.ifVersion}`;
  return isrError('PRECONDITION_FAILED', [where, key, expected, found === undefined ? 'none' : `version ${found}`]);
}

/** True when an object of version `current` (undefined: absent) satisfies `want`. */
export function holds(want: Precondition | undefined, current: string | undefined): boolean {
  if (!want) return true;
  if ('ifAbsent' in want) return current === undefined;
  return current === want.ifVersion;
}

/**
 * A file's version for the filesystem store: inode, size and mtime. Every write of the store is a
 * rename of a new file, so a new write gives a new inode even within one mtime tick; taking it
 * is one stat, with no read of the bytes.
 */
export function signatureOfStats(s: { ino: number; size: number; mtimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}`;
}
