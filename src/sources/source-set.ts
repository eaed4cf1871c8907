import { mkdirSync } from 'node:fs';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { BoundSource, DataSource, Track } from '../types.js';

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
          const entries = await src.list({ track, now: new Date(this.now()) });
          if (!Array.isArray(entries)) {
            throw new IsrError('BAD_LOAD_RESULT', `source "${key}" (${src.name}) list() returned ${typeof entries}, not an array`, {
              hint: 'a data source list() must resolve to an array',
            });
          }
          let unreadable = false;
          for (const e of entries) {
            this.remember(src, e);
            if (src.entryError && this.entryErrors.has(e)) unreadable = true;
          }
          return unreadable && o.unreadable !== 'keep' ? entries.filter((e) => !this.entryErrors.has(e)) : entries;
        },
        get: async (id: string) => {
          await this.setup();
          if (!src.get) throw new IsrError('LOAD_FAILED', `source "${key}" (${src.name}) has no get()`);
          const entry = await src.get({ id: String(id), track, now: new Date(this.now()) });
          if (entry !== undefined) {
            const tag = this.remember(src, entry);
            if (tag) track(tag);
          }
          return entry;
        },
      };
    }
    return bound;
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
