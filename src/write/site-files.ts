import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Manifest } from '../manifest/manifest.js';
import type { Revalidate } from '../types.js';
import { cacheControl } from './cache-control.js';

/**
 * Files derived from the whole manifest (not from one page): `sitemap.xml`, `_headers` and
 * `_redirects`. Each is a pure function of the manifest, so it is rebuilt only when pages were
 * written or removed, and compared with what is on disk before it is written.
 */
export function siteFiles(config: ResolvedConfig, manifest: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  const routes = new Map(config.routes.map((r) => [r.name, r]));
  const claimed = new Set(Object.values(manifest.pages).map((p) => p.file));
  // Sorted by path: the manifest's insertion order follows render completion order (concurrent),
  // and these files must come out byte-identical for the same site, or every run rewrites them.
  const pages = Object.keys(manifest.pages)
    .sort()
    .map((p) => [p, manifest.pages[p]!] as const);

  if (config.sitemap && config.site.url && !claimed.has('sitemap.xml')) {
    const base = config.site.url.replace(/\/+$/, '');
    const urls: string[] = [];
    for (const [path, p] of pages) {
      if (p.status !== 'ok' && p.status !== 'error') continue;
      if (!p.file || !routes.get(p.route)?.sitemap) continue;
      urls.push(`  <url><loc>${xml(base + encodeURI(path))}</loc><lastmod>${new Date(p.changedAt).toISOString()}</lastmod></url>`);
    }
    out.set(
      'sitemap.xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`,
    );
  }

  if (config.headersFile && !claimed.has('_headers')) {
    // One rule per route (its pattern, which Netlify and Cloudflare Pages accept as placeholders),
    // plus a rule per page whose own revalidate differs from its route's.
    const lines: string[] = ['# Written by isr: Cache-Control per page from its revalidate interval.'];
    for (const r of config.routes) lines.push(r.pattern.source, `  Cache-Control: ${cacheControl(r.revalidate)}`);
    const overrides: [string, Revalidate][] = [];
    for (const [path, p] of pages) {
      const route = routes.get(p.route);
      if (route && p.file && p.revalidate !== route.revalidate) overrides.push([path, p.revalidate]);
    }
    for (const [path, rv] of overrides) lines.push(path, `  ! Cache-Control`, `  Cache-Control: ${cacheControl(rv)}`);
    out.set('_headers', lines.join('\n') + '\n');
  }

  const redirects = pages.filter(([, p]) => p.status === 'redirect' && p.redirect);
  if (redirects.length && !claimed.has('_redirects')) {
    out.set('_redirects', redirects.map(([path, p]) => `${path} ${p.redirect!.destination} ${p.redirect!.permanent ? 308 : 307}`).join('\n') + '\n');
  }
  return out;
}

/**
 * Site files an earlier run wrote that the current manifest no longer produces, to delete. Only
 * `_redirects` goes this way in normal use (the last redirecting page became a page again), and a
 * stale one is harmful: hosts apply it before serving files, so the page would keep redirecting.
 */
export function staleSiteFiles(previous: Manifest | undefined, current: ReadonlyMap<string, string>): string[] {
  const hadRedirects = Object.values(previous?.pages ?? {}).some((p) => p.status === 'redirect' && p.redirect);
  return hadRedirects && !current.has('_redirects') ? ['_redirects'] : [];
}

/** The HTML stub written for a redirect: works on any static host, even without `_redirects`. */
export function redirectStub(destination: string): string {
  const d = xml(destination);
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>Redirecting…</title><meta http-equiv="refresh" content="0; url=${d}"><link rel="canonical" href="${d}"><meta name="robots" content="noindex"></head><body><a href="${d}">Redirecting to ${d}</a></body></html>\n`;
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
