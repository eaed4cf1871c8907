import { hash, hashJson } from '../hash.js';

/**
 * Change detection for the `http` source: what its list URL answered at the last published run,
 * kept by isr as the source's `changes()` state. The validators (ETag, Last-Modified) make the
 * next ask conditional, so an unchanged list costs a 304 and no body; a hash of the body and of
 * each entry tell, when the list did change (or the server gives no validators), which entries
 * did. Internal to sources/http.ts.
 */
export interface ListState {
  version: 1;
  /** The list URL this state is for: a config pointing elsewhere starts afresh. */
  url: string;
  etag?: string;
  lastModified?: string;
  /** Hash of the list's body: a server without validators that answers the same bytes changed nothing. */
  body: string;
  /** Hash of each entry (by id) as the list gave it. */
  entries: Record<string, string>;
}

/** The validators to ask `url` with, from a previous state; undefined if it is not one for `url`. */
export function usableState(state: unknown, url: string): ListState | undefined {
  return isListState(state) && state.url === url ? state : undefined;
}

/** A state that is there but not one `compareList` wrote (for a warning: it is not trusted). */
export function isForeignState(state: unknown): boolean {
  return state !== undefined && !isListState(state);
}

/**
 * The ids whose entry was added, changed or removed since `previous`, whether the list changed at
 * all, and the new state. Without a previous state every entry counts as changed: a first run
 * cannot tell what did, so it must not say "nothing".
 */
export function compareList(
  o: { url: string; etag?: string; lastModified?: string; body: string; entries: readonly unknown[]; idOf: (e: unknown) => unknown },
  previous: ListState | undefined,
): { listChanged: boolean; ids: string[]; state: ListState } {
  const entries: Record<string, string> = {};
  for (const e of o.entries) {
    const id = o.idOf(e);
    // An entry without an id cannot be told apart from the others: only the list's tag covers it.
    if (id === undefined || id === null) continue;
    entries[String(id)] = hashJson(e);
  }
  const state: ListState = { version: 1, url: o.url, etag: o.etag, lastModified: o.lastModified, body: hash(o.body), entries };
  if (!previous) return { listChanged: true, ids: Object.keys(entries), state };
  const ids: string[] = [];
  for (const id in entries) if (!Object.hasOwn(previous.entries, id) || previous.entries[id] !== entries[id]) ids.push(id);
  for (const id in previous.entries) if (!Object.hasOwn(entries, id)) ids.push(id);
  return { listChanged: previous.body !== state.body, ids, state };
}

function isListState(v: unknown): v is ListState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as ListState;
  if (s.version !== 1 || typeof s.url !== 'string' || typeof s.body !== 'string') return false;
  if ((s.etag !== undefined && typeof s.etag !== 'string') || (s.lastModified !== undefined && typeof s.lastModified !== 'string'))
    return false;
  if (typeof s.entries !== 'object' || s.entries === null || Array.isArray(s.entries)) return false;
  return Object.values(s.entries).every((h) => typeof h === 'string');
}
