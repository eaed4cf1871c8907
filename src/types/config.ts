/**
 * The config a user writes (`UserConfig`, the default export of `isr.config.*`) and
 * `defineConfig`, which gives it inference. It ties the other type files together: sources,
 * routes, the serve options and the store.
 */
import type { PurgeTarget } from '../purge/purge.js';
import type { RouteConfig } from './routes.js';
import type { WebhookMapper, WebhookVerify } from './serve.js';
import type { Revalidate, SiteInfo } from './site.js';
import type { DataSource, DataSources } from './sources.js';
import type { StoreConfig } from './store.js';

/** `T`, in a position TypeScript does not infer `T` from (the `NoInfer` of TypeScript 5.4+, for older ones too). */
type NotInferred<T> = [T][T extends any ? 0 : never];

/** The files changed by a build/regen, relative to outDir. */
export interface ChangeSet {
  written: string[];
  removed: string[];
}
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
