/**
 * `_headers` and `_redirects`: the host configuration files Netlify and Cloudflare Pages read,
 * written in the forms the chosen host reads correctly (config `hostFiles`), with as few rules as
 * the manifest's shard summaries allow. Both are made from the summaries only (every override and
 * redirect is in them), so a run that changes one page does not read every page.
 *
 * How the two hosts read a URL that several rules match: Cloudflare Pages joins the values of a
 * header with commas unless a rule detaches it (`! Cache-Control`); Netlify ignores the detach
 * line (it has no colon; its parser skips it) and the later rule's value wins (its CLI's
 * `headersForPath`, checked in test/unit/host-files.test.ts with Netlify's own parser). So the
 * general rules come first and every rule that must win over one before it carries the detach.
 */
import { withBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { ShardInfo } from '../manifest/shards.js';
import type { Revalidate } from '../types.js';
import { cacheControl } from './cache-control.js';

/** Which host `_headers`/`_redirects` are written for. */
export type HostFiles = 'generic' | 'netlify' | 'cloudflare-pages';

/** How isr's own `_headers` begins (a file of the user's under that name is left alone). */
export const HEADERS_MARK = '# Written by isr:';

/**
 * `_headers`: a rule per route (its pattern, which both hosts read as placeholders), a rule per
 * page whose own revalidate differs from its route's, and a fixed route's rule after the route
 * patterns that also match it. Grouped: a route whose every page has the same own revalidate is
 * one rule with that value instead of one per page (known exactly from the summaries: the
 * route's page count against its overrides, attributed only where one route's pattern matches).
 */
export function headersText(config: ResolvedConfig, shards: readonly ShardInfo[]): string {
  const host = config.hostFiles;
  const pub = (p: string) => withBase(config.base, p);
  const overrides = new Map<string, Revalidate>();
  for (const s of shards) for (const path in s.overrides) overrides.set(path, s.overrides[path]!);
  const grouped = uniformRoutes(config, shards, overrides);
  const rule = (path: string, value: Revalidate, detach: boolean) => [
    pub(path),
    ...(detach && host !== 'netlify' ? ['  ! Cache-Control'] : []),
    `  Cache-Control: ${cacheControl(value)}`,
  ];
  const lines: string[] = [`${HEADERS_MARK} Cache-Control per page from its revalidate interval.`];
  const dynamic = config.routes.filter((r) => r.pattern.names.length > 0);
  const late: [string, Revalidate][] = [];
  for (const r of config.routes) {
    const source = r.pattern.source;
    // A fixed route another route's pattern matches must come after it (and detach its value).
    if (!r.pattern.names.length && dynamic.some((d) => d !== r && d.pattern.match(source))) late.push([source, r.revalidate]);
    else lines.push(...rule(source, grouped.get(r.name) ?? r.revalidate, false));
  }
  for (const [source, value] of late) lines.push(...rule(source, value, true));
  const routeOf = routeMatcher(config);
  for (const path of [...overrides.keys()].sort()) {
    const route = routeOf(path);
    if (route && grouped.has(route)) continue;
    lines.push(...rule(path, overrides.get(path)!, true));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Routes whose pages all have one own revalidate (differing from the route's), with that value.
 * A route qualifies only when its overrides number exactly its pages that have a file (pages
 * minus notFound; an errored page without a file makes the counts differ, so it never groups).
 */
function uniformRoutes(
  config: ResolvedConfig,
  shards: readonly ShardInfo[],
  overrides: ReadonlyMap<string, Revalidate>,
): Map<string, Revalidate> {
  const pages = new Map<string, number>();
  for (const s of shards)
    for (const [name, r] of Object.entries(s.routes)) pages.set(name, (pages.get(name) ?? 0) + r.pages - (r.notFound ?? 0));
  const routeOf = routeMatcher(config);
  const seen = new Map<string, { value: Revalidate; count: number } | 'mixed'>();
  for (const [path, value] of overrides) {
    const route = routeOf(path);
    if (!route) continue;
    const s = seen.get(route);
    if (s === 'mixed') continue;
    if (!s) seen.set(route, { value, count: 1 });
    else if (s.value !== value) seen.set(route, 'mixed');
    else s.count++;
  }
  const grouped = new Map<string, Revalidate>();
  for (const [route, s] of seen) if (s !== 'mixed' && s.count === pages.get(route)) grouped.set(route, s.value);
  // A page an ambiguous path belongs to is not attributed: its route may look uniform without it.
  for (const path of overrides.keys()) if (routeOf(path) === undefined) for (const r of matching(config, path)) grouped.delete(r);
  return grouped;
}

/** The route of a page path when exactly one route's pattern matches it. */
function routeMatcher(config: ResolvedConfig): (path: string) => string | undefined {
  return (path) => {
    const names = matching(config, path);
    return names.length === 1 ? names[0] : undefined;
  };
}

function matching(config: ResolvedConfig, path: string): string[] {
  return config.routes.filter((r) => r.pattern.match(path)).map((r) => r.name);
}

/**
 * `_redirects`: a line per redirecting page. Its HTML stub is a file at the same path, and
 * Netlify serves a file that exists rather than a rule unless the rule is forced (`308!`);
 * Cloudflare Pages always applies its rules first and knows no `!`, so only Netlify gets it.
 */
export function redirectsText(config: ResolvedConfig, shards: readonly ShardInfo[]): string {
  const pub = (p: string) => withBase(config.base, p);
  const force = config.hostFiles === 'netlify' ? '!' : '';
  const redirects = new Map<string, { destination: string; permanent: boolean }>();
  for (const s of shards) for (const path in s.redirects) redirects.set(path, s.redirects[path]!);
  const lines = [...redirects.keys()]
    .sort()
    .map((path) => `${pub(path)} ${pub(redirects.get(path)!.destination)} ${redirects.get(path)!.permanent ? 308 : 307}${force}`);
  return `${lines.join('\n')}\n`;
}
