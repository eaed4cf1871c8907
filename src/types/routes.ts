/**
 * The public types of a route: its pattern and template (`RouteConfig`), what its `paths()` and
 * `load()` are given and return, and why a page is rendered (`LoadReason`). Separate from the
 * config because a route is often written in a file of its own.
 */
import type { Revalidate, SiteInfo } from './site.js';
import type { BoundSources, DataSources } from './sources.js';

/** Route parameters: `/blog/:slug/` with `{ slug: 'hello' }` gives `/blog/hello/`. */
export type Params = Record<string, string>;

/**
 * `track` as a route's `paths` and `load` get it: a tag, or an entry a source returned, which
 * records that entry's tag (`DataSource.entryTag`, e.g. `file:content/a.md`). The way a page that
 * shows derived objects (`{ url, title }` mapped from entries) declares the entries it shows.
 */
export type TrackDependency = (dependency: string | object) => void;

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
