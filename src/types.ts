/**
 * The public types of isr: what a user writes in `isr.config.*` and what a data-source plugin
 * implements. Everything here is exported from the package root.
 */

import type { PurgeTarget } from './purge/purge.js';

/** Seconds until a page may be regenerated, or `false` for "never on a timer, only on demand". */
export type Revalidate = number | false;

/** Route parameters: `/blog/:slug/` with `{ slug: 'hello' }` gives `/blog/hello/`. */
export type Params = Record<string, string>;

/** Records that the page being built depends on `tag`; `isr regen --tag` and webhooks use it. */
export type Track = (tag: string) => void;

/**
 * `track` as a route's `paths` and `load` get it: a tag, or an entry a source returned, which
 * records that entry's tag (`DataSource.entryTag`, e.g. `file:content/a.md`). The way a page that
 * shows derived objects (`{ url, title }` mapped from entries) declares the entries it shows.
 */
export type TrackDependency = (dependency: string | object) => void;

// ---------------------------------------------------------------------------------------------
// Data-source plugins
// ---------------------------------------------------------------------------------------------

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

/** `T`, in a position TypeScript does not infer `T` from (the `NoInfer` of TypeScript 5.4+, for older ones too). */
type NotInferred<T> = [T][T extends any ? 0 : never];

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

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/** Given to a route's `paths()`; modelled on Next.js `getStaticPaths`. `S`: the config's sources. */
export interface PathsContext<S extends DataSources = DataSources> {
  sources: BoundSources<S>;
  site: SiteInfo;
  now: Date;
  /** Record a dependency of the route's listing: a tag, or an entry (its tag). */
  track: TrackDependency;
}

/** Given to a route's `load()`; modelled on Next.js `getStaticProps`. `S`: the config's sources. */
export interface LoadContext<S extends DataSources = DataSources> {
  params: Params;
  /** The URL path being built, e.g. `/blog/hello/`. */
  path: string;
  sources: BoundSources<S>;
  site: SiteInfo;
  now: Date;
  /**
   * Record a dependency: a tag (same as returning it in `tags`), or an entry a source returned,
   * which records that entry's tag. A page whose props are derived from entries (a section page
   * listing `{ url, title }` of its children) calls `track(child)` for each entry it shows, so
   * `--tag file:…` of a child re-renders it (an entry in the props is found on its own).
   */
  track: TrackDependency;
  /** Why this page is being rendered now (like Next.js's revalidate reason); see `LoadReason`. */
  reason: LoadReason;
}

/**
 * Why a page is rendered, as `load()` sees it (the planner's reasons, one per render):
 * - `build`: `isr build`;
 * - `new`: a listing gave a page that was not built yet;
 * - `expired`: its `revalidate` window passed;
 * - `retry`: it failed before, and its retry time came;
 * - `changed`: a source reported that data it read changed (change detection);
 * - `template-changed` / `config-changed`: its template closure or the config changed;
 * - `on-demand`: named by someone: `--path`, `--tag`, `--route`, `--all`, a webhook, a stale
 *   page `isr serve` asked for;
 * - `fallback`: named, and never built before: `isr serve`'s first request for an unknown path
 *   of a `fallback: 'blocking'` route (or a `--path` / webhook for such a path).
 * When several apply, the first of fallback, on-demand, changed, template-changed,
 * config-changed, retry, expired, new, build is given.
 */
export type LoadReason =
  | 'build'
  | 'new'
  | 'expired'
  | 'retry'
  | 'changed'
  | 'template-changed'
  | 'config-changed'
  | 'on-demand'
  | 'fallback';

/** What `load()` returns. Exactly one of `props`, `notFound`, `redirect` is meaningful. */
export interface LoadResult<Props = Record<string, unknown>> {
  /** Data for the template; spread onto `it`. */
  props?: Props;
  /** Overrides the route/site default for this page. */
  revalidate?: Revalidate;
  /** The page does not exist: it is removed from the output (404). */
  notFound?: boolean;
  /** Write a redirect stub and a `_redirects` line instead of a page. */
  redirect?: string | { destination: string; permanent?: boolean };
  /** Extra dependency tags, e.g. `post:42`. Tags tracked by sources are added automatically. */
  tags?: string[];
}

/**
 * A URL pattern with a template, modelled on getStaticPaths + getStaticProps. `S`: the config's
 * sources (inferred inside `defineConfig`; a route written on its own sees every source as `any`).
 */
export interface RouteConfig<Props = any, S extends DataSources = DataSources> {
  /**
   * URL pattern. `/blog/:slug/` builds `blog/<slug>/index.html`; a last segment with an extension
   * (`/feed.xml`, `/404.html`) builds exactly that file. A `:param` fills one path segment; a
   * rest param `:name*`, a segment of its own, fills one or more (`/docs/:path*` then `/` builds
   * `/docs/guides/install/` from `{ path: 'guides/install' }`), each segment checked alike.
   */
  path: string;
  /** Template file, relative to `templatesDir`. */
  template: string;
  /** Stable id used by `--route` and the `url()` helper. Defaults to `path`. */
  name?: string;
  // `paths` and `load` are methods so that their parameter is compared both ways: a config whose
  // sources are inferred stays assignable to a plain `UserConfig`.
  /**
   * The route's pages: params objects or concrete URL paths. Required when `path` has params.
   * Re-run when the route's listing is due (see `listRevalidate`).
   */
  paths?(ctx: PathsContext<S>): Promise<Array<Params | string>> | Array<Params | string>;
  /** Load ONE page's data. Without it the template gets no props. */
  load?(ctx: LoadContext<S>): Promise<LoadResult<Props>> | LoadResult<Props>;
  /** Default `revalidate` of the route's pages (falls back to the site's). */
  revalidate?: Revalidate;
  /** How often `paths()` is re-run to find new and vanished pages. Defaults to `revalidate`. */
  listRevalidate?: Revalidate;
  /** `isr serve`: render unknown paths on first request (`'blocking'`) or 404 (`false`, default). */
  fallback?: 'blocking' | false;
  /** Leave the route's pages out of `sitemap.xml` (feeds, 404 and redirects are always left out). */
  sitemap?: boolean;
  /**
   * List the route's on-demand pages (rendered by `isr serve`'s fallback or named by a webhook or
   * `--path`, not by `paths()`) in `sitemap.xml` too. Default false: anyone can make a fallback
   * route render a page, so such pages stay out of the sitemap unless the route says otherwise.
   */
  sitemapOnDemand?: boolean;
  /**
   * `isr serve`: most on-demand entries (pages and remembered `notFound` answers) the route may
   * hold; past it, a fallback request for a new path gets 404 and a log line. Default
   * `serve.maxOnDemandPages` (10,000). `isr regen --forget-on-demand` clears them.
   */
  maxOnDemandPages?: number;
}

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/** Site-wide data, available to templates as `site` and to loaders as `ctx.site`. */
export interface SiteInfo {
  /**
   * Absolute URL of the site's home, e.g. `https://example.com` or `https://user.github.io/repo/`.
   * Enables `sitemap.xml` and absolute feed links; its path is the base path unless `base` is set.
   */
  url?: string;
  title?: string;
  /**
   * IANA time zone of the site (`Europe/Berlin`), default `UTC`: dates written without an offset
   * (`2024-05-01`, `2024-05-01 23:30`) are its local time, and `formatDate` and date-derived
   * permalinks (`:year/:month/:day`) show it, as in Jekyll and Hugo.
   */
  timezone?: string;
  [key: string]: unknown;
}

/** The files changed by a build/regen, relative to outDir. */
export interface ChangeSet {
  written: string[];
  removed: string[];
}

/** What the revalidation webhook of `isr serve` turns a request body into. */
export interface RevalidateTarget {
  paths?: string[];
  tags?: string[];
}

/**
 * What `serve.webhook` returns for an event it does not care about (an `Entry.save`, a draft):
 * answered 200 `{ ok: true, ignored: true }` and nothing is rendered. Returning nothing means the same.
 */
export interface WebhookIgnored {
  ignored: true;
  /** Why, for the log line and the answer (`Entry.auto_save`). */
  reason?: string;
}

/**
 * A webhook call as `serve.webhook` and `serve.verify` see it: the request `isr serve` received,
 * or the saved one `isr regen --payload` was given.
 */
export interface WebhookRequest {
  /** `POST` (or what `--payload-headers` says). */
  method: string;
  /** Path and query as received, e.g. `/__isr/revalidate` (what a signature covers). */
  path: string;
  /** Headers, names in lower case (a repeated header's values joined with `, `, as Node does). */
  headers: Readonly<Record<string, string>>;
  /**
   * The event's name: the `x-contentful-topic` header (`ContentManagement.Entry.publish`), else
   * `sanity-operation` (`create`, `update`, `delete`), else `x-isr-topic`; `isr regen --topic`.
   */
  topic?: string;
  /** The body as received, as text (signatures are computed over these exact bytes). */
  body: string;
  /** The current time in epoch ms (honours `ISR_NOW`), for a signature's timestamp tolerance. */
  now: number;
}

/**
 * `serve.webhook`: a CMS payload to the pages to render. Return `{ paths, tags }`; nothing (or
 * `{ ignored: true }`) for an event you do not care about; throw an `IsrError` with code
 * `PAYLOAD_INVALID` for a payload that cannot be right (answered 400, or exit 5 for `--payload`).
 */
export type WebhookMapper = (
  payload: unknown,
  request: WebhookRequest,
) => RevalidateTarget | WebhookIgnored | undefined | null | Promise<RevalidateTarget | WebhookIgnored | undefined | null>;

/**
 * `serve.verify`: does this request come from the CMS? Return `true` to accept it; `false` or a
 * string saying why not to refuse it (401, or exit 5 for `isr regen --payload`). For signatures
 * such as Contentful's (`contentfulSignature()`) or Sanity's (`sanitySignature()`).
 */
export type WebhookVerify = (request: WebhookRequest) => boolean | string | Promise<boolean | string>;

/** `isr.config.*` default export. Only `routes` is required. `S`: its sources. */
export interface UserConfig<S extends DataSources = DataSources> {
  site?: SiteInfo;
  /**
   * Where the site lives under its host: `'/repo/'` for a GitHub Pages project site. Added to
   * every URL the helpers, sitemap, feeds, redirects and `_headers` give, and served under by
   * `isr serve`; outDir keeps the page paths. Default: the path of `site.url`, else `/`.
   */
  base?: string;
  /** Output folder, relative to the site root. Default `dist`. */
  outDir?: string;
  /** Template folder, relative to the site root. Default `templates`. */
  templatesDir?: string;
  /**
   * Folder of static assets (CSS, images, fonts, `robots.txt`, `.well-known/`…) copied into
   * outDir as they are, only when their bytes change. Default `public`; `false`: none.
   */
  publicDir?: string | false;
  /** Manifest file, relative to the site root. Default `.isr/manifest.json` (never deployed). */
  manifest?: string;
  /** Site-wide default `revalidate`. Default `false`. */
  revalidate?: Revalidate;
  /** Pages loaded/rendered at once. Default 16. */
  concurrency?: number;
  /** Named data sources, reached in routes as `sources.<name>`. */
  // `& {…}`: each value is also typed as a DataSource, so the hooks of a plugin written inline get
  // their parameter types (as a bare `S`, they were implicitly `any`), while S is inferred from the
  // object as written.
  sources?: S & { [K in keyof S]: DataSource<any> };
  // Not a place S is inferred from: a route typed on its own (`RouteConfig`, every source `any`)
  // would otherwise widen the config's sources back to `any`.
  routes: RouteConfig<any, NotInferred<S>>[];
  /** Extra functions available in every template by name. */
  helpers?: Record<string, (...args: any[]) => unknown>;
  /** Write `_headers` with per-page Cache-Control (Netlify / Cloudflare Pages). Default true. */
  headersFile?: boolean;
  /**
   * The host `_headers` and `_redirects` are written for: `'netlify'` (forced redirects, `308!`,
   * since a redirect's stub file would shadow its rule there), `'cloudflare-pages'`, or
   * `'generic'` (default: the Cloudflare Pages forms, no limit checks). With a host named, a run
   * that writes either file warns when it passes that host's documented limits.
   */
  hostFiles?: 'generic' | 'netlify' | 'cloudflare-pages';
  /** Write `sitemap.xml` when `site.url` is set. Default true. */
  sitemap?: boolean;
  /** Called after a build/regen that changed files (CDN purge, upload). */
  onChange?: (changes: ChangeSet) => void | Promise<void>;
  /**
   * The CDN to purge after every publish, with exactly the changed URLs:
   * `cloudfront({ distributionId })`, `cloudflare({ zone })` or `fastly({ service })`.
   * Credentials come from the environment only. A failed purge is retried by the next run.
   */
  purge?: PurgeTarget;
  /**
   * Where the site and its state live. Default: the output folder and `.isr/` on this disk.
   * `s3({ bucket, prefix, endpoint, region })`: an S3-compatible bucket (AWS S3, Cloudflare R2,
   * Ceph RGW, MinIO), so `isr build`, `isr regen` and `isr status` run on a machine with no
   * `dist/` or `.isr/`; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
   * (/ AWS_SESSION_TOKEN). `--store s3://bucket/prefix` wins over it.
   */
  store?: StoreConfig;
  /** `isr serve` options. */
  serve?: {
    /** Secret for the revalidation webhook; `ISR_REVALIDATE_SECRET` wins. No secret: webhook off. */
    revalidateSecret?: string;
    /** Webhook path. Default `/__isr/revalidate`. */
    revalidatePath?: string;
    /**
     * Map a CMS payload to paths/tags: `contentful()`, `sanity()`, or your own function of the
     * payload (and the request: headers, topic). Also run by `isr regen --payload`.
     */
    webhook?: WebhookMapper;
    /**
     * Accept a call without the shared secret when this says it is genuine: a CMS's request
     * signature (`contentfulSignature()`, `sanitySignature()`, or your own check). With it, the
     * webhook is on even when no secret is set. `isr regen --payload-headers` runs it too.
     */
    verify?: WebhookVerify;
    /**
     * Most paths one webhook call may name (after `webhook()` mapping); more get a 400. A call
     * is one regeneration, and a huge one holds up the others. Default 1000.
     */
    maxRevalidatePaths?: number;
    /** Most tags one webhook call may name; more get a 400. Default 100. */
    maxRevalidateTags?: number;
    /** Default of each route's `maxOnDemandPages`. Default 10,000. */
    maxOnDemandPages?: number;
    /**
     * Most fallback paths being rendered or waiting to be at once; a request for another new
     * path gets 503 with `Retry-After`. Default 100.
     */
    maxPendingRenders?: number;
  };
}

/**
 * Identity function that gives `isr.config.ts` type inference: each source's entry type flows
 * into the routes' `paths` and `load` (see BoundSources). Without `sources`, routes have none.
 */
// biome-ignore lint/complexity/noBannedTypes: `{}` is the empty source map inferred when a config declares no sources.
export function defineConfig<S extends DataSources = {}>(config: UserConfig<S>): UserConfig<S> {
  return config;
}

/** The options of `s3()`: where in the bucket the site and its private state are. */
export interface S3Options {
  bucket: string;
  /** Where the deployable site lives in the bucket ('' or 'www/'). Default ''. */
  prefix?: string;
  /** `https://host[:port]` of an S3-compatible service (R2, Ceph RGW, MinIO); absent: AWS S3. */
  endpoint?: string;
  /** Default AWS_REGION, then AWS_DEFAULT_REGION, then 'us-east-1' ('auto' for R2). */
  region?: string;
  /** A separate bucket for the private state (manifest, lease, records); default the site's bucket. */
  stateBucket?: string;
  /** Where the private state lives; default `.isr/` + prefix. Keep it from being served (README "Deploy"). */
  statePrefix?: string;
  /** Bound on each request try, ms. Default 30,000 (1 to 600,000). */
  timeoutMs?: number;
  /** Tries after the first for an unanswered request or a 5xx. Default 3 (0 to 10). */
  retries?: number;
  /** DeleteObjects requests in flight at once. Default 4 (1 to 64). */
  deleteConcurrency?: number;
  /** Uploads (PUTs) in flight at once during a publish. Default 32 (1 to 256). */
  uploadConcurrency?: number;
}

/** A store the config names (made by `s3()`). */
export interface StoreConfig {
  readonly kind: 's3';
  readonly options: Readonly<S3Options>;
}
