/**
 * One run's memo of what the sources answered (issue 21 item 5). A docs site whose every page
 * calls `sources.docs.list()` (for its sidebar, for its section's children) asked the source for
 * the whole folder once per page: O(site) per page, 6-9 s for 1,000 pages (BENCHMARKS.md). Each
 * distinct call is now made once per run and its answer shared by every page that makes it.
 *
 * What a page depends on does not change: the tags the source tracked during the one real call
 * are recorded, and replayed into the `track` of every later page that gets the same answer, so
 * each of them records exactly what it would have recorded calling the source itself.
 *
 * Entries are shared objects: a page that changes an entry it was given changes it for the other
 * pages of the run (README: copy before changing, `{ ...entry }`). Every call gets its own array.
 */
export interface Answer<T> {
  value: T;
  /** Tags the source tracked while producing `value`. */
  tags: string[];
}

/**
 * The `get(id)` answers kept at once, most recently used first out last. A list() answer is kept
 * for the run (one per source), but every page gets its own entry with its body and HTML: keeping
 * them all held the whole content folder to the end of a run (~110 MB at 100k files, what the
 * files source releases bodies to avoid). Repeated gets (a shared settings entry, prev/next
 * links) hit within this bound.
 */
export const MAX_SHARED_GETS = 1000;

export class SourceCache {
  /** Keyed `<source key>\0list` and `<source key>\0get\0<id>`. Promises: concurrent pages share one call. */
  private readonly answers = new Map<string, Promise<Answer<unknown>>>();
  /** The get keys of `answers`, oldest first (a Map keeps insertion order). */
  private readonly gets = new Map<string, true>();

  /**
   * The answer for `key`, from `call` the first time (given a `track` that records the tags).
   * A call that throws is not kept: the next page asks again (a source may fail for one page's
   * reason, a timeout, and the run goes on).
   */
  async answer<T>(key: string, call: (track: (tag: string) => void) => Promise<T>, o: { bounded?: boolean } = {}): Promise<Answer<T>> {
    let p = this.answers.get(key) as Promise<Answer<T>> | undefined;
    if (o.bounded) this.touch(key);
    if (!p) {
      const tags: string[] = [];
      p = call((t) => void tags.push(String(t))).then((value) => ({ value, tags }));
      this.answers.set(key, p);
      p.catch(() => {
        if (this.answers.get(key) === p) this.answers.delete(key);
      });
    }
    return p;
  }

  /** Mark a get key as just used; past MAX_SHARED_GETS, forget the least recently used. */
  private touch(key: string): void {
    this.gets.delete(key);
    this.gets.set(key, true);
    if (this.gets.size <= MAX_SHARED_GETS) return;
    const oldest = this.gets.keys().next().value as string;
    this.gets.delete(oldest);
    this.answers.delete(oldest);
  }
}
