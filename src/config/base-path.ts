/**
 * The base path: the folder of the host the site lives under, `/repo/` for a GitHub Pages
 * project site (`https://user.github.io/repo/`). It is `base` in the config, or else the path of
 * `site.url`, or `/`.
 *
 * Two kinds of path, kept apart: a *site path* (`/blog/x/`) is what routes, `load()` redirects,
 * the manifest and outDir use, so outDir never gains a `repo/` folder (the host maps the base
 * onto it); a *public path* (`/repo/blog/x/`) is what a browser asks for. The base is added where
 * a URL leaves isr (the template helpers, sitemap.xml, _headers, _redirects, redirect stubs) and
 * taken off where one comes in (`isr serve`'s requests, the webhook's paths).
 */

/** The base path in its one form: percent-encoded, starting and ending with "/". */
export type BasePath = string;

/**
 * `base` as configured, normalised, or why it cannot be one (for the config error). Query,
 * fragment, backslash, dot segments and empty segments are refused: each would make the public
 * path of a page differ from what the host serves.
 */
export function parseBase(value: string): { base: BasePath } | { problem: string } {
  if (!value.startsWith('/')) return { problem: 'a path starting with "/"' };
  // eslint-disable-next-line no-control-regex
  if (/[?#\\\s\x00-\x1f\x7f]/.test(value)) return { problem: 'a path without "?", "#", backslashes or spaces' };
  const segments = value.split('/').slice(1, value.endsWith('/') ? -1 : undefined);
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return { problem: 'a path without empty, "." or ".." segments' };
  // The URL parser percent-encodes what must be (and leaves %XX as it is), as a browser would.
  const encoded = new URL(value, 'http://h').pathname;
  return { base: encoded.endsWith('/') ? encoded : `${encoded}/` };
}

/** The base a `site.url` implies: its path (`https://user.github.io/repo` → `/repo/`). */
export function baseOfSiteUrl(siteUrl: string | undefined): { base: BasePath } | { problem: string } {
  if (siteUrl === undefined) return { base: '/' };
  return parseBase(new URL(siteUrl).pathname);
}

/** The public path of a site path (`/blog/x/` → `/repo/blog/x/`); anything else as it is. */
export function withBase(base: BasePath, p: string): string {
  if (base === '/' || !p.startsWith('/') || p.startsWith('//')) return p;
  return base + p.slice(1);
}

/**
 * `p` with the base added unless it already carries it, for `absUrl()`, which is given both
 * site paths (`absUrl('/')`, `absUrl(page.path)`) and public ones (`absUrl(url('post', …))`).
 * The rule: a path that starts with the base is public. (A site whose own pages sit under a
 * folder named like its base names them by their public path there.)
 */
export function ensureBase(base: BasePath, p: string): string {
  return hasBase(base, p) ? p : withBase(base, p);
}

/**
 * The site path of a public path (`/repo/blog/x/` → `/blog/x/`, `/repo/` and `/repo` → `/`), or
 * undefined when it is outside the base.
 */
export function stripBase(base: BasePath, p: string): string | undefined {
  if (base === '/') return p;
  if (p.startsWith(base)) return p.slice(base.length - 1);
  return p === base.slice(0, -1) ? '/' : undefined;
}

/** `p` is the base or under it. */
export function hasBase(base: BasePath, p: string): boolean {
  return base === '/' || p.startsWith(base) || p === base.slice(0, -1);
}
