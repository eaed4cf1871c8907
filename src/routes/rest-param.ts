/**
 * The rest param of a route pattern: `:name*`, a whole segment of its own (`/docs/:path*` and a slash), that
 * matches one or more path segments (`guides/install/linux`). Each segment is held to the rules
 * of a one-segment param (pattern.ts#checkParam), so a rest value can no more climb out of its
 * folder or name a file the disk refuses than a `:slug` can.
 */

/** `:name` or `:name*` (the `*` is group 2). */
export const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)(\*?)/g;

/** The rest param of a pattern source, checked to be a whole segment and the only one. */
export function restParamOf(source: string): { name?: string; problem?: string } {
  const rests = [...source.matchAll(PARAM)].filter((m) => m[2] === '*');
  if (rests.length === 0) return {};
  if (rests.length > 1) return { problem: 'has more than one rest param (:name*)' };
  const name = rests[0]![1]!;
  const whole = source.split('/').includes(`:${name}*`);
  if (!whole) {
    return { problem: `puts the rest param ":${name}*" inside a segment; it must be a segment of its own, e.g. "/docs/:${name}*/"` };
  }
  return { name };
}

/**
 * Why a rest value cannot fill its param, or undefined when it can. `checkSegment` is the
 * one-segment rule; the slashes between segments are the only ones allowed.
 */
export function restValueProblem(value: string, checkSegment: (segment: string) => string | undefined): string | undefined {
  if (value === '') return 'is empty';
  if (value.startsWith('/') || value.endsWith('/')) return 'starts or ends with "/" (give the segments only: "a/b")';
  const segments = value.split('/');
  for (const seg of segments) {
    if (seg === '') return 'has an empty segment ("//")';
    const problem = checkSegment(seg);
    if (problem) return `has a segment ${JSON.stringify(seg)} that ${problem}`;
  }
  return undefined;
}

/** A rest value given as an array of segments (the Next.js and Astro habit), as one string. */
export function restValueOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const segments = Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' || typeof s === 'number');
  if (segments) return value.join('/');
  return undefined;
}
