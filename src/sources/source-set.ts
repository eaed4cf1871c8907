import { mkdirSync } from 'node:fs';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BoundSource, DataSource, Track, TrackDependency } from '../types.js';
import { SourceCache } from './source-cache.js';

/**
 * The configured sources for one run: set up once, then handed to each route call bound to that
 * call's `track`, so every page records exactly what it read.
 */
export class SourceSet {
  /** Entries returned by any source → their tag; how a listing page learns which entries it shows. */
  private readonly entryTags = new WeakMap<object, string>();
  /** Entries listed although unreadable (`DataSource.entryError`) → why. */
  private readonly entryErrors = new WeakMap<object, Error>();
  private setupDone: Promise<void> | undefined;
  /** list()/get() answers shared by the run's pages (sources/source-cache.ts). */
  private readonly cache = new SourceCache();

  constructor(
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Run every source's `setup` (once per run; lazily, so a regen with nothing due skips it). */
  setup(): Promise<void> {
    this.setupDone ??= (async () => {
      // Synchronous: microseconds, where the promise API's thread-pool round trip was ~0.1 ms of
      // every webhook's run in `isr serve` (see write/stage.ts).
      mkdirSync(this.config.cacheDir, { recursive: true });
      for (const [key, src] of Object.entries(this.config.sources)) {
        await src.setup?.({
          root: this.config.root,
          cacheDir: this.config.cacheDir,
          base: this.config.base,
          now: new Date(this.now()),
          site: this.config.site,
          log: (level, m) => (level === 'warn' ? this.logger.warn(`${key}: ${m}`) : this.logger.info(`${key}: ${m}`)),
        });
      }
    })();
    return this.setupDone;
  }

  async dispose(): Promise<void> {
    if (!this.setupDone) return;
    for (const src of Object.values(this.config.sources)) await src.dispose?.();
  }

  /**
   * `sources.<key>` as a route sees it, with `track` bound. `unreadable: 'keep'` (for `paths()`)
   * keeps the entries a source listed but could not read (`DataSource.entryError`): their pages
   * stay listed and fail on their own. Otherwise (`load`) they are left out of `list()`.
   */
  bind(track: Track, o: { unreadable?: 'keep' | 'drop' } = {}): Record<string, BoundSource<any>> {
    const bound: Record<string, BoundSource<any>> = {};
    for (const [key, src] of Object.entries(this.config.sources)) {
      bound[key] = {
        list: async () => {
          await this.setup();
          if (!src.list) throw new IsrError('LOAD_FAILED', `source "${key}" (${src.name}) has no list()`);
          const { value: entries, tags } = await this.cache.answer(`${key}\0list`, async (record) => {
            const got = await src.list!({ track: record, now: new Date(this.now()) });
            if (!Array.isArray(got)) {
              throw new IsrError('BAD_LOAD_RESULT', `source "${key}" (${src.name}) list() returned ${typeof got}, not an array`, {
                hint: 'a data source list() must resolve to an array',
              });
            }
            for (const e of got) this.remember(src, e);
            return got as unknown[];
          });
          for (const t of tags) track(t);
          // A copy per call: a page may sort or filter its array in place.
          return o.unreadable !== 'keep' && src.entryError ? entries.filter((e) => !this.entryErrors.has(e as object)) : entries.slice();
        },
        get: async (id: string) => {
          await this.setup();
          if (!src.get) throw new IsrError('LOAD_FAILED', `source "${key}" (${src.name}) has no get()`);
          const { value: entry, tags } = await this.cache.answer(
            `${key}\0get\0${String(id)}`,
            async (record) => {
              const got = await src.get!({ id: String(id), track: record, now: new Date(this.now()) });
              if (got !== undefined) {
                const tag = this.remember(src, got);
                if (tag) record(tag);
              }
              return got;
            },
            { bounded: true },
          );
          for (const t of tags) track(t);
          return entry;
        },
      };
    }
    return bound;
  }

  /**
   * The `track` a route's `paths`/`load` gets: a tag, or an entry a source returned (its tag).
   * An object that is no entry (or one whose source gives no tags) is a mistake in the route:
   * an error, since it would otherwise record nothing and the page would silently go stale.
   */
  trackerFor(add: (tag: string) => void, where: string): TrackDependency {
    return (dep) => {
      if (typeof dep !== 'object' || dep === null) return add(String(dep));
      const tag = this.entryTags.get(dep);
      if (tag) return add(tag);
      throw new IsrError('BAD_LOAD_RESULT', `${where}: track() was given an object that is not an entry a source returned`, {
        hint: 'pass the entry itself (from list() or get()), not a copy or an object made from it, or pass a tag string',
      });
    };
  }

  /** The tag of an entry a source returned, if any (used when scanning a page's props). */
  tagOf(value: object): string | undefined {
    return this.entryTags.get(value);
  }

  private remember(src: DataSource<any>, entry: unknown): string | undefined {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const error = src.entryError?.(entry);
    if (error) this.entryErrors.set(entry, error);
    if (!src.entryTag) return undefined;
    const tag = src.entryTag(entry);
    if (tag) this.entryTags.set(entry, tag);
    return tag;
  }
}
