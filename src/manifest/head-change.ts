/**
 * The change set a manifest head records: what the run that wrote it changed, against which
 * head. A follower holding exactly the head at `base` (isr serve, when a cron `isr regen` in
 * another process publishes) takes that delta; any other follower (it missed a head, or the
 * change is `all`) reads the manifest again. Written in the head as `"change"`; readers of
 * manifest version 2 from before it ignore the field, so the format stays version 2.
 */

/** A head's change set, as written in it. */
export interface HeadChange {
  /** Store version of the head the run read: the delta applies to that head only. */
  base: string;
  /** URL paths whose entry the run replaced or removed (`all`: more than `MAX_RECORDED_PAGES`). */
  pages: string[] | 'all';
  /** Shards whose file the run replaced or deleted (`all`: split anew, every shard rewritten). */
  shards: string[] | 'all';
  /**
   * The version of the head the same run wrote just before this one, with the same pages: a run
   * that deleted files writes its head again to clear `pendingRemovals`. A follower that saw that
   * first head takes the same delta again (the pages and shards are the same: it changes nothing).
   */
  via?: string;
}

/**
 * Past this many pages a head records `all` rather than their paths: a run that changed more
 * than that (a listing, a 20k-page webhook) would make the head, which every run reads, as big
 * as a shard; the follower then takes the recorded shards whole instead.
 */
export const MAX_RECORDED_PAGES = 1000;

/**
 * The change to record in a head a run writes (`pages`: every page it rendered, failed or
 * removed): none for a first build (there is no head to follow from), `shards: all` when it
 * split anew.
 */
export function recordChange(
  base: string | undefined,
  pages: readonly string[],
  shards: readonly string[] | 'all',
): HeadChange | undefined {
  if (base === undefined) return undefined;
  // Sorted: a head is a function of what the run did, not of the order its pages finished in
  // (two stores given the same inputs write the same head but for the versions in it).
  const listed = pages.length > MAX_RECORDED_PAGES ? 'all' : [...new Set(pages)].sort();
  return { base, pages: listed, shards: shards === 'all' ? 'all' : [...new Set(shards)].sort() };
}

/**
 * The change recorded in a head's parsed JSON, or `undefined` when it has none or one this isr
 * cannot use (a follower then reads the manifest again: never a guess). Shard ids are checked to
 * be ids the head names or may have dropped (hex); page paths to be paths.
 */
export function changeOf(head: unknown): HeadChange | undefined {
  const c = (head as { change?: unknown } | null)?.change as Partial<HeadChange> | undefined;
  if (!c || typeof c !== 'object' || typeof c.base !== 'string') return undefined;
  const pages = c.pages === 'all' ? 'all' : Array.isArray(c.pages) && c.pages.every(isPath) ? c.pages : undefined;
  const shards = c.shards === 'all' ? 'all' : Array.isArray(c.shards) && c.shards.every(isShardId) ? c.shards : undefined;
  if (!pages || !shards || (c.via !== undefined && typeof c.via !== 'string')) return undefined;
  return { base: c.base, pages, shards, ...(c.via !== undefined ? { via: c.via } : {}) };
}

/** True when a follower holding the head at `version` may take the change `c` as its delta. */
export function appliesTo(c: HeadChange, version: string | undefined): boolean {
  return version !== undefined && (c.base === version || c.via === version);
}

function isPath(p: unknown): p is string {
  return typeof p === 'string' && p.startsWith('/');
}

function isShardId(id: unknown): id is string {
  return typeof id === 'string' && /^[0-9a-f]{1,4}$/.test(id);
}
