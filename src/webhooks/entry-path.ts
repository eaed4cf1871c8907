/**
 * The page of a CMS entry, from its fields: a route-style pattern (`/blog/:slug/`) filled from
 * them, or a function. Shared by the `contentful()` and `sanity()` mappers.
 */
import { IsrError } from '../errors.js';
import { compilePattern, PatternError } from '../routes/pattern.js';

/** A page path pattern filled from the entry's fields (`/blog/:slug/`), or a function of them. */
export type EntryPath<Fields = Record<string, unknown>, Entity = unknown> =
  | string
  | ((fields: Fields, entity: Entity) => string | undefined);

/**
 * Turns an EntryPath into a function that names the page of one entry. A pattern is compiled now
 * (a bad one is the config's fault: a TypeError when the config loads); a field it needs that the
 * entry lacks is the payload's fault (PAYLOAD_INVALID), never a `/blog/undefined/`.
 */
export function entryPath<F extends Record<string, unknown>, E>(
  spec: EntryPath<F, E>,
  owner: string,
): (fields: F, entity: E, what: () => string) => string | undefined {
  if (typeof spec === 'function') return (fields, entity) => spec(fields, entity);
  if (typeof spec !== 'string') throw new TypeError(`${owner}: a path must be a pattern such as "/blog/:slug/" or a function`);
  let pattern: ReturnType<typeof compilePattern>;
  try {
    pattern = compilePattern(spec);
  } catch (err) {
    throw new TypeError(`${owner}: path "${spec}" ${(err as Error).message}`);
  }
  return (fields, _entity, what) => {
    const params: Record<string, string> = {};
    for (const name of pattern.names) {
      const value = plain(fields[name]);
      if (value === undefined) throw new IsrError('PAYLOAD_INVALID', `${what()} has no "${name}" to fill ${spec}`);
      params[name] = value;
    }
    try {
      return pattern.fill(params);
    } catch (err) {
      if (err instanceof PatternError) throw new IsrError('PAYLOAD_INVALID', `${what()}: ${spec}: ${err.message}`);
      throw err;
    }
  };
}

/** A field as a path segment: a string or number, or a Sanity slug (`{ current }`). */
function plain(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'object' && v !== null && typeof (v as { current?: unknown }).current === 'string')
    return (v as { current: string }).current;
  return undefined;
}
