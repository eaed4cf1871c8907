/**
 * The public interface of a data-source plugin (`DataSource` and the contexts its hooks get),
 * and how routes see the config's sources (`BoundSources`). Separate because a plugin is written
 * against this interface alone, never the config (the built-in `files` and `http` sources too).
 */
import type { SiteInfo } from './site.js';

/** Records that the page being built depends on `tag`; `isr regen --tag` and webhooks use it. */
export type Track = (tag: string) => void;

/** Given once to every source before the first call. */
export interface SourceSetupContext {
  /** Absolute site root (the folder holding `isr.config.*`). */
  root: string;
  /** Absolute folder the source may use for its own cache (it exists). Kept between runs. */
  cacheDir: string;
  /** The current time (honours `ISR_NOW`). */
  now: Date;
  /** Log a line (warnings go to stderr). */
  log: (level: 'info' | 'warn', message: string) => void;
  /** The config's `site` (its `timezone` dates content written without an offset). */
  site?: SiteInfo;
  /** The site's base path (`/`, or `/repo/` for a site under a folder): for URLs a source writes into HTML. */
  base?: string;
}

/** Given to every `list` / `get` call. */
export interface SourceCallContext {
  /** Record a dependency of the page (or route listing) being built. */
  track: Track;
  /** The current time (honours `ISR_NOW`). */
  now: Date;
}

/**
 * A data-source plugin: a plain object with a `name` and optional hooks, each taking one options
 * object so fields can be added later without breaking plugins. The built-in `files` and `http`
 * sources are written against exactly this interface.
 *
 * In a route's `paths` and `load`, a source is reached as `sources.<key>` with `list()` and
 * `get(id)`; isr passes `track` itself so the page records what it read.
 */
export interface DataSource<Entry = unknown> {
  /** Shown in errors and logs, e.g. `files` or `postgres`. */
  name: string;
  /** Called once per run before any other hook. */
  setup?(ctx: SourceSetupContext): void | Promise<void>;
  /** Every entry (for index pages, feeds and a route's `paths`). Should `track` what it read. */
  list?(ctx: SourceCallContext): Promise<Entry[]>;
  /** One entry by id, or `undefined` when there is none. Must not load every entry. */
  get?(ctx: SourceCallContext & { id: string }): Promise<Entry | undefined>;
  /**
   * The tag of one entry (e.g. `post:42`). A page whose props contain an entry returned by `list`
   * or `get` records this tag, so a listing page depends on exactly the entries it shows.
   */
  entryTag?(entry: Entry): string | undefined;
  /**
   * For an entry `list` gave although it could not be read (e.g. a file over a bound): why. A
   * route's `paths()` still sees it, so its page stays listed (and fails: `get` of it should throw
   * this error), while `list()` in a page's `load` leaves it out (an index is published without
   * it rather than with a blank entry). The listing and the other pages go on.
   */
  entryError?(entry: Entry): Error | undefined;
  /**
   * For `isr serve --watch`: absolute files or folders this source reads, and the tags a change to
   * one of them invalidates. `collection` tags are also invalidated when a file is added/removed.
   */
  watch?(): { paths: string[]; tagsFor(file: string, event: 'add' | 'change' | 'unlink'): string[] };
  /** Called once when the run ends (close database pools here). */
  dispose?(): void | Promise<void>;
  /**
   * What changed in the source's data since the last published run, as the tags pages recorded
   * (`file:content/posts/a.md`, `post:42`): a plain `isr regen` or `isr build` re-renders the pages
   * that depend on them (plan reason `changed`), with no `--tag` needed. `state` is what this
   * hook returned last time (undefined the first time, or when it was lost or unreadable), kept
   * by isr in the cache folder and saved only after the run published: a snapshot of files, a
   * CMS sync token, a last-modified time. Without a usable `state`, return the tags of
   * everything the source holds (it cannot know what changed, and must not say "nothing").
   */
  changes?(ctx: ChangesContext): Promise<ChangesResult>;
}

/** Given to `DataSource.changes`. */
export interface ChangesContext {
  /** What `changes` returned as `state` after the last published run, if any. */
  state: unknown;
  now: Date;
}

/** What `DataSource.changes` returns. */
export interface ChangesResult {
  /** Tags whose data changed (pages and route listings that recorded one are re-rendered). */
  tags: string[];
  /** JSON data to hand back next time; saved only once this run has published. */
  state: unknown;
  /**
   * Called when isr saves the run's states, once the run has published (never after a run that
   * failed, stopped on bad input, or was a dry run): for what the source keeps beside its state,
   * such as the `files` source's front-matter cache. Synchronous; what it throws is warned about.
   */
  saved?(): void;
}

/** A source as seen from a route: the plugin with `track` and `now` filled in. */
export interface BoundSource<Entry = unknown> {
  list(): Promise<Entry[]>;
  get(id: string): Promise<Entry | undefined>;
}

/** A config's `sources`: plugins by the key routes reach them under (`sources.<key>`). */
export type DataSources = Record<string, DataSource<any>>;

/** The entry type of a source: `FileEntry<Data>` for `files<Data>()`, `Entry` for `http<Entry>()`. */
export type EntryOf<Source> = Source extends DataSource<infer Entry> ? Entry : never;

/**
 * A config's sources as its routes see them, each with its own entry type: with
 * `sources: { posts: files<{ title: string }>(…) }`, `sources.posts.get(id)` in `load` gives a
 * `FileEntry<{ title: string }>`, and `sources.typo` does not type-check.
 */
export type BoundSources<S extends DataSources = DataSources> = { [K in keyof S]: BoundSource<EntryOf<S[K]>> };
