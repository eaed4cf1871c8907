import { ensureBase, withBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { type DateStyle, formatDateIn } from '../dates.js';
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
    formatDate: (value: unknown, style?: DateStyle, locale?: string) =>
      formatDate(value, style, locale, { timeZone: config.site.timezone }),
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

/**
 * Format a date (Date, epoch ms, or a string such as `2024-05-01` or `2024-05-01T10:00:00+02:00`).
 * `style`: `iso` (2024-05-01), `datetime` (2024-05-01T10:00:00Z, for Atom `<updated>` and sitemaps),
 * `rfc822` (for RSS), `long` (May 1, 2024), `medium` (default) or `short`; `locale` defaults to
 * `en-US`. In `options.timeZone` (templates: `site.timezone`), default UTC, so the output does not
 * depend on the machine's time zone. A value that is not a date throws: an empty date in a page
 * (or a feed item without one) is a mistake to show, not to hide.
 */
export function formatDate(value: unknown, style: DateStyle = 'medium', locale = 'en-US', options: { timeZone?: string } = {}): string {
  const out = formatDateIn(value, style, locale, options.timeZone ?? 'UTC');
  if (out === undefined) {
    const shown = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
    throw new Error(`formatDate(): ${shown} is not a date (write dates as 2024-05-01 or 2024-05-01T10:00:00+02:00)`);
  }
  return out;
}
