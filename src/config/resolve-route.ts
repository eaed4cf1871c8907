/**
 * One route of the config, validated: its keys, its pattern compiled, its template found, its
 * revalidate and bounds checked, defaults applied; then the clashes between routes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { IsrError, isrError } from '../errors.js';
import { compilePattern, type Pattern, PatternError } from '../routes/pattern.js';
import type { Revalidate, RouteConfig } from '../types.js';
import { checkKeys, type Fail, isBoolean, isCount, isNonEmptyString, isPlainObject, isRevalidate } from './config-checks.js';
import type { ResolvedRoute } from './resolve-config.js';

const ROUTE_KEYS = [
  'path',
  'template',
  'name',
  'paths',
  'load',
  'revalidate',
  'listRevalidate',
  'fallback',
  'sitemap',
  'sitemapOnDemand',
  'maxOnDemandPages',
];

export function resolveRoute(
  input: unknown,
  key: string,
  ctx: { revalidate: Revalidate; templatesDir: string; fail: Fail; file: string; maxOnDemandPages: number },
): ResolvedRoute {
  const { fail } = ctx;
  if (!isPlainObject(input)) fail(key, 'a route object { path, template, ... }', input);
  const r = input as Record<string, unknown>;
  checkKeys(r, ROUTE_KEYS, `${key}.`, ctx.file);
  if (!isNonEmptyString(r.path)) fail(`${key}.path`, 'a URL pattern such as "/blog/:slug/"', r.path);
  let pattern: Pattern;
  try {
    pattern = compilePattern(r.path as string);
  } catch (err) {
    if (err instanceof PatternError) fail(`${key}.path`, `a valid URL pattern (${err.message})`, r.path, err.hint);
    throw err;
  }
  if (r.template === undefined)
    fail(`${key}.template`, 'a template file name', undefined, `every route needs a template, e.g. template: "page.eta"`);
  if (!isNonEmptyString(r.template)) fail(`${key}.template`, 'a template file name', r.template);
  const template = (r.template as string).replace(/\\/g, '/').replace(/^\.?\//, '');
  const templateFile = path.resolve(ctx.templatesDir, template);
  if (!templateFile.startsWith(ctx.templatesDir + path.sep)) fail(`${key}.template`, 'a file inside the templates folder', r.template);
  if (!existsSync(templateFile)) {
    throw new IsrError(
      'TEMPLATE_NOT_FOUND',
      `${key}.template: template "${template}" not found in ${path.relative(process.cwd(), ctx.templatesDir) || '.'}`,
      {
        file: ctx.file,
        hint: 'create the file or fix the name',
      },
    );
  }
  if (pattern.names.length > 0 && typeof r.paths !== 'function') {
    fail(`${key}.paths`, `a function listing the params of "${pattern.source}"`, r.paths, 'a route with :params needs paths()');
  }
  if (r.paths !== undefined && typeof r.paths !== 'function') fail(`${key}.paths`, 'a function', r.paths);
  // A fixed path is one page: its paths() would never be called (a route written for params it lacks).
  if (pattern.names.length === 0 && r.paths !== undefined) {
    fail(
      `${key}.paths`,
      `no paths() ("${pattern.source}" has no params: it is one page)`,
      r.paths,
      'add a param, e.g. "/docs/:path*/", or remove paths()',
    );
  }
  if (r.load !== undefined && typeof r.load !== 'function') fail(`${key}.load`, 'a function', r.load);
  if (r.revalidate !== undefined && !isRevalidate(r.revalidate))
    fail(`${key}.revalidate`, 'a number of seconds >= 1 or false', r.revalidate);
  if (r.listRevalidate !== undefined && !isRevalidate(r.listRevalidate))
    fail(`${key}.listRevalidate`, 'a number of seconds >= 1 or false', r.listRevalidate);
  if (r.fallback !== undefined && r.fallback !== 'blocking' && r.fallback !== false)
    fail(`${key}.fallback`, '"blocking" or false', r.fallback);
  if (r.sitemap !== undefined && !isBoolean(r.sitemap)) fail(`${key}.sitemap`, 'true or false', r.sitemap);
  if (r.sitemapOnDemand !== undefined && !isBoolean(r.sitemapOnDemand)) fail(`${key}.sitemapOnDemand`, 'true or false', r.sitemapOnDemand);
  if (r.maxOnDemandPages !== undefined && !isCount(r.maxOnDemandPages))
    fail(`${key}.maxOnDemandPages`, 'an integer >= 0', r.maxOnDemandPages);
  if (r.name !== undefined && !isNonEmptyString(r.name)) fail(`${key}.name`, 'a non-empty string', r.name);
  const revalidate = (r.revalidate as Revalidate | undefined) ?? ctx.revalidate;
  return Object.freeze({
    name: (r.name as string | undefined) ?? pattern.source,
    pattern,
    template,
    paths: r.paths as RouteConfig['paths'],
    load: r.load as RouteConfig['load'],
    revalidate,
    listRevalidate: (r.listRevalidate as Revalidate | undefined) ?? revalidate,
    fallback: (r.fallback as 'blocking' | false | undefined) ?? false,
    sitemap: (r.sitemap as boolean | undefined) ?? (pattern.directory && !/\/404\.html$/.test(pattern.source)),
    sitemapOnDemand: (r.sitemapOnDemand as boolean | undefined) ?? false,
    maxOnDemandPages: (r.maxOnDemandPages as number | undefined) ?? ctx.maxOnDemandPages,
  });
}

/** Two routes may not share a name, nor two fixed routes a path. */
export function checkRouteClashes(routes: ResolvedRoute[], fail: Fail): void {
  const names = new Map<string, number>();
  const fixed = new Map<string, number>();
  routes.forEach((r, i) => {
    if (names.has(r.name)) fail(`routes[${i}].name`, `a name not used by routes[${names.get(r.name)}]`, r.name);
    names.set(r.name, i);
    if (r.pattern.names.length === 0) {
      if (fixed.has(r.pattern.source)) {
        throw isrError('DUPLICATE_OUTPUT', [`routes[${i}]`, `routes[${fixed.get(r.pattern.source)}]`, 'produce', r.pattern.source], {
          hint: 'give each route its own path',
        });
      }
      fixed.set(r.pattern.source, i);
    }
  });
}
