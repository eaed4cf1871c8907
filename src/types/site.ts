/**
 * The public types every area of the config shares: a page's `revalidate` and the `site` values.
 * Separate from config.ts because sources and routes use them too, and the config imports both
 * (one file they all import keeps the type files free of import cycles).
 */

/** Seconds until a page may be regenerated, or `false` for "never on a timer, only on demand". */
export type Revalidate = number | false;

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
