import { ensureBase, withBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { PatternError } from '../routes/pattern.js';
import type { Params } from '../types.js';

/** What a template knows about the page being rendered, as `page`. */
export interface PageInfo {
  path: string;
  route: string;
  params: Params;
  /** Epoch ms of this render. */
  now: number;
}

/**
 * The helpers every template sees as plain variables: `url`, `absUrl`, `asset`, `formatDate`,
 * `site`, `page`, `now`, plus the config's `helpers`. `asset` is the renderer's (it knows the
 * public folder's hashes and records which pages use which asset).
 */
export function createHelpers(config: ResolvedConfig, page: PageInfo, asset: (p: string) => string = (p) => p) {
  const byName = routeIndex(config);
  return {
    site: config.site,
    page,
    now: new Date(page.now),
    helpers: config.helpers,
    /**
     * URL path of a route's page, with the base path: `url('post', { slug: 'hello' })` →
     * `/blog/hello/` (`/repo/blog/hello/` under `base: '/repo/'`).
     */
    url(route: string, params: Params = {}): string {
      const r = byName.get(route);
      if (!r) throw new Error(`url(): no route named "${route}" (routes: ${[...byName.keys()].join(', ')})`);
      try {
        return withBase(config.base, encodeURI(r.pattern.fill(params)));
      } catch (err) {
        if (err instanceof PatternError) throw new Error(`url("${route}"): ${err.message}`);
        throw err;
      }
    },
    /**
     * Absolute URL from a path, using `site.url`'s origin and the base path (only the path with
     * the base when no site URL is set). Takes a site path (`absUrl('/')`, `absUrl(page.path)`)
     * or what `url()`/`asset()` returned: a path already under the base is not given it twice.
     */
    absUrl(p: string): string {
      const withIt = ensureBase(config.base, p);
      return config.site.url ? new URL(withIt, siteRoot(config)).href : withIt;
    },
    /**
     * URL of a `public/` file with the base path and a content hash: `asset('/style.css')` →
     * `/style.css?v=Xa3…`, so a changed stylesheet gets a new URL (CDN and browser caches miss
     * it) without renaming.
     * A page that uses it is re-rendered when the file's bytes change.
     */
    asset,
    formatDate,
  };
}

const siteRoots = new WeakMap<ResolvedConfig, string>();
/** `site.url`'s origin with the base path: where a relative `absUrl('x')` resolves. */
function siteRoot(config: ResolvedConfig): string {
  let r = siteRoots.get(config);
  if (r === undefined) siteRoots.set(config, (r = new URL(config.base, config.site.url).href));
  return r;
}

const routeIndexCache = new WeakMap<ResolvedConfig, Map<string, ResolvedConfig['routes'][number]>>();
function routeIndex(config: ResolvedConfig) {
  let m = routeIndexCache.get(config);
  if (!m) {
    m = new Map(config.routes.map((r) => [r.name, r]));
    routeIndexCache.set(config, m);
  }
  return m;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Format a date (Date, ISO string or epoch ms). `style`: `iso` (2024-05-01), `rfc822` (for RSS),
 * `long` (May 1, 2024), `medium` (default) or `short`; `locale` defaults to `en-US`. UTC, so the
 * output does not depend on the machine's time zone.
 */
export function formatDate(value: unknown, style: 'iso' | 'rfc822' | 'long' | 'medium' | 'short' = 'medium', locale = 'en-US'): string {
  const d = value instanceof Date ? value : new Date(value as string | number);
  if (Number.isNaN(d.getTime())) return '';
  if (style === 'iso') return d.toISOString().slice(0, 10);
  if (style === 'rfc822') return d.toUTCString();
  const key = `${style}|${locale}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' });
    formatters.set(key, f);
  }
  return f.format(d);
}
