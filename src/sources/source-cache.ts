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

export class SourceCache {
  /** Keyed `<source key>\0list` and `<source key>\0get\0<id>`. Promises: concurrent pages share one call. */
  private readonly answers = new Map<string, Promise<Answer<unknown>>>();

  /**
   * The answer for `key`, from `call` the first time (given a `track` that records the tags).
   * A call that throws is not kept: the next page asks again (a source may fail for one page's
   * reason, a timeout, and the run goes on).
   */
  async answer<T>(key: string, call: (track: (tag: string) => void) => Promise<T>): Promise<Answer<T>> {
    let p = this.answers.get(key) as Promise<Answer<T>> | undefined;
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
}
