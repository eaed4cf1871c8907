import path from 'node:path';
import { isTimeZone } from '../dates.js';
import { IsrError } from '../errors.js';
import { hash } from '../hash.js';
import type { PurgeTarget } from '../purge/purge.js';
import type { Pattern } from '../routes/pattern.js';
import { contentDirOf } from '../sources/files.js';
import type { DataSource, Revalidate, RouteConfig, SiteInfo, StoreConfig, UserConfig } from '../types.js';
import type { HostFiles } from '../write/host-files.js';
import { type BasePath, baseOfSiteUrl, parseBase } from './base-path.js';
import {
  checkKeys,
  describe,
  type Fail,
  isBoolean,
  isCount,
  isFunction,
  isNonEmptyString,
  isPlainObject,
  isPositiveInt,
  isRevalidate,
} from './config-checks.js';
import { checkRouteClashes, resolveRoute } from './resolve-route.js';

/** A route after validation: defaults applied, pattern compiled. */
export interface ResolvedRoute {
  readonly name: string;
  readonly pattern: Pattern;
  /** Template path relative to `templatesDir`, with "/" separators. */
  readonly template: string;
  readonly paths?: RouteConfig['paths'];
  readonly load?: RouteConfig['load'];
  readonly revalidate: Revalidate;
  readonly listRevalidate: Revalidate;
  readonly fallback: 'blocking' | false;
  readonly sitemap: boolean;
  readonly sitemapOnDemand: boolean;
  readonly maxOnDemandPages: number;
}

/** The config after validation: absolute paths, defaults applied, frozen. Passed down, never re-read. */
export interface ResolvedConfig {
  readonly root: string;
  readonly configFile: string;
  /** Hash of the config source: a change re-renders every page on the next regen. */
  readonly configHash: string;
  readonly outDir: string;
  readonly templatesDir: string;
  /** Absolute path of the public folder (it may not exist), or undefined (`publicDir: false`). */
  readonly publicDir: string | undefined;
  readonly manifestFile: string;
  /** Folder of the manifest: the lock and the sources' caches live here too. */
  readonly stateDir: string;
  readonly cacheDir: string;
  readonly site: Readonly<SiteInfo>;
  /**
   * Where the site lives under its host (config/base-path.ts): `base`, else the path of
   * `site.url`, else `/`. Percent-encoded, starting and ending with "/".
   */
  readonly base: BasePath;
  readonly revalidate: Revalidate;
  readonly concurrency: number;
  readonly sources: Readonly<Record<string, DataSource<any>>>;
  readonly routes: readonly ResolvedRoute[];
  readonly helpers: Readonly<Record<string, (...args: any[]) => unknown>>;
  readonly headersFile: boolean;
  /** The host `_headers`/`_redirects` are written for (write/host-files.ts). */
  readonly hostFiles: HostFiles;
  readonly sitemap: boolean;
  readonly onChange?: UserConfig['onChange'];
  /** The CDN purged after each publish (src/purge/). */
  readonly purge?: PurgeTarget;
  /** Where the site and its state live (`s3()`); none: the output folder and `.isr/`. */
  readonly store?: StoreConfig;
  readonly serve: Readonly<
    Required<
      Pick<
        NonNullable<UserConfig['serve']>,
        'revalidatePath' | 'maxRevalidatePaths' | 'maxRevalidateTags' | 'maxOnDemandPages' | 'maxPendingRenders'
      >
    > &
      NonNullable<UserConfig['serve']>
  >;
}

const TOP_KEYS = [
  'site',
  'base',
  'outDir',
  'templatesDir',
  'publicDir',
  'manifest',
  'revalidate',
  'concurrency',
  'sources',
  'routes',
  'helpers',
  'headersFile',
  'sitemap',
  'onChange',
  'serve',
  'purge',
  'hostFiles',
  'store',
];
const SERVE_KEYS = [
  'revalidateSecret',
  'revalidatePath',
  'webhook',
  'verify',
  'maxRevalidatePaths',
  'maxRevalidateTags',
  'maxOnDemandPages',
  'maxPendingRenders',
];

interface ResolveContext {
  root: string;
  configFile: string;
  configHash: string;
  overrides: { outDir?: string; concurrency?: number };
}

export function resolveConfig(user: UserConfig, ctx: ResolveContext): ResolvedConfig {
  const file = path.relative(ctx.root, ctx.configFile);
  const fail = (key: string, expected: string, found: unknown, hint?: string): never => {
    throw new IsrError('CONFIG_INVALID', `${key}: expected ${expected}, found ${describe(found)}`, {
      file,
      hint: hint ?? 'see "Config reference" in the README',
    });
  };
  const u = user as unknown as Record<string, unknown>;
  checkKeys(u, TOP_KEYS, '', file);

  const optional = <T>(key: string, value: unknown, test: (v: unknown) => boolean, expected: string, dflt: T): T =>
    value === undefined ? dflt : test(value) ? (value as T) : fail(key, expected, value);

  const site = optional<SiteInfo>('site', u.site, isPlainObject, 'an object', {});
  // Parsed too: the base path is read from it, and absUrl() and the sitemap resolve against it.
  if (site.url !== undefined && (typeof site.url !== 'string' || !/^https?:\/\/[^/]+/.test(site.url) || !URL.canParse(site.url))) {
    fail('site.url', 'an absolute http(s) URL', site.url);
  }
  if (site.timezone !== undefined && !isTimeZone(site.timezone)) {
    fail('site.timezone', 'an IANA time zone such as "Europe/Berlin"', site.timezone);
  }
  const base = resolveBase(u.base, site.url, fail);
  const outDirRel = ctx.overrides.outDir ?? optional('outDir', u.outDir, isNonEmptyString, 'a folder path', 'dist');
  const templatesRel = optional('templatesDir', u.templatesDir, isNonEmptyString, 'a folder path', 'templates');
  const publicRel = optional<string | false>(
    'publicDir',
    u.publicDir,
    (v) => v === false || isNonEmptyString(v),
    'a folder path or false',
    'public',
  );
  const manifestRel = optional('manifest', u.manifest, isNonEmptyString, 'a file path', '.isr/manifest.json');
  const revalidate = optional<Revalidate>('revalidate', u.revalidate, isRevalidate, 'a number of seconds >= 1 or false', false);
  const concurrency = ctx.overrides.concurrency ?? optional('concurrency', u.concurrency, isPositiveInt, 'a whole number >= 1', 16);
  const helpers = optional<Record<string, (...a: any[]) => unknown>>('helpers', u.helpers, isPlainObject, 'an object of functions', {});
  for (const [k, v] of Object.entries(helpers)) if (typeof v !== 'function') fail(`helpers.${k}`, 'a function', v);
  const headersFile = optional('headersFile', u.headersFile, isBoolean, 'true or false', true);
  const sitemap = optional('sitemap', u.sitemap, isBoolean, 'true or false', true);
  const hostFiles = optional<HostFiles>(
    'hostFiles',
    u.hostFiles,
    (v) => v === 'generic' || v === 'netlify' || v === 'cloudflare-pages',
    '"generic", "netlify" or "cloudflare-pages"',
    'generic',
  );
  const onChange = optional<UserConfig['onChange']>('onChange', u.onChange, isFunction, 'a function', undefined);
  const purge = optional<PurgeTarget | undefined>(
    'purge',
    u.purge,
    (v) => isPlainObject(v) && typeof v.requests === 'function' && typeof v.provider === 'string',
    'a CDN purge such as cloudfront({ distributionId }), cloudflare({ zone }) or fastly({ service })',
    undefined,
  );

  const store = optional<StoreConfig | undefined>(
    'store',
    u.store,
    (v) => isPlainObject(v) && v.kind === 's3' && isPlainObject(v.options),
    'a store such as s3({ bucket, prefix, endpoint })',
    undefined,
  );

  const sourcesIn = optional<Record<string, unknown>>('sources', u.sources, isPlainObject, 'an object of data sources', {});
  const sources: Record<string, DataSource<any>> = {};
  for (const [key, src] of Object.entries(sourcesIn)) {
    if (!isPlainObject(src) || typeof (src as { name?: unknown }).name !== 'string') {
      fail(`sources.${key}`, 'a data source object with a "name" (e.g. files({ dir: "content" }))', src);
    }
    for (const hook of ['setup', 'list', 'get', 'watch', 'dispose']) {
      const fn = (src as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== 'function') fail(`sources.${key}.${hook}`, 'a function', fn);
    }
    sources[key] = src as DataSource<any>;
  }

  const serveIn = optional<Record<string, unknown>>('serve', u.serve, isPlainObject, 'an object', {});
  checkKeys(serveIn, SERVE_KEYS, 'serve.', file);
  const serve = {
    revalidateSecret: optional<string | undefined>(
      'serve.revalidateSecret',
      serveIn.revalidateSecret,
      isNonEmptyString,
      'a non-empty string',
      undefined,
    ),
    revalidatePath: optional(
      'serve.revalidatePath',
      serveIn.revalidatePath,
      (v) => isNonEmptyString(v) && v.startsWith('/'),
      'a path starting with "/"',
      '/__isr/revalidate',
    ),
    webhook: optional<NonNullable<UserConfig['serve']>['webhook']>('serve.webhook', serveIn.webhook, isFunction, 'a function', undefined),
    verify: optional<NonNullable<UserConfig['serve']>['verify']>('serve.verify', serveIn.verify, isFunction, 'a function', undefined),
    maxRevalidatePaths: optional('serve.maxRevalidatePaths', serveIn.maxRevalidatePaths, isPositiveInt, 'an integer >= 1', 1000),
    maxRevalidateTags: optional('serve.maxRevalidateTags', serveIn.maxRevalidateTags, isPositiveInt, 'an integer >= 1', 100),
    maxOnDemandPages: optional('serve.maxOnDemandPages', serveIn.maxOnDemandPages, isCount, 'an integer >= 0', 10_000),
    maxPendingRenders: optional('serve.maxPendingRenders', serveIn.maxPendingRenders, isPositiveInt, 'an integer >= 1', 100),
  };

  const templatesDir = path.resolve(ctx.root, templatesRel);
  if (!Array.isArray(u.routes) || u.routes.length === 0) {
    fail('routes', 'a non-empty array of routes', u.routes, 'add at least one { path, template } route');
  }
  const routes = (u.routes as unknown[]).map((r, i) =>
    resolveRoute(r, `routes[${i}]`, { revalidate, templatesDir, fail, file, maxOnDemandPages: serve.maxOnDemandPages }),
  );
  checkRouteClashes(routes, fail);

  const manifestFile = path.resolve(ctx.root, manifestRel);
  const stateDir = path.dirname(manifestFile);
  const outDir = path.resolve(ctx.root, outDirRel);
  const publicDir = publicRel === false ? undefined : path.resolve(ctx.root, publicRel);
  checkOutDir(outDir, {
    publicDir,
    outKey: ctx.overrides.outDir !== undefined ? `--out ${ctx.overrides.outDir}` : `outDir ${JSON.stringify(outDirRel)}`,
    root: ctx.root,
    configFile: ctx.configFile,
    templatesDir,
    manifestFile,
    contentDirs: Object.values(sources)
      .map((src) => contentDirOf(src))
      .filter((d): d is string => d !== undefined),
    file,
  });
  return Object.freeze({
    root: ctx.root,
    configFile: ctx.configFile,
    // Every page's links carry the base: a base that changes (site.url from the environment, say)
    // must re-render them all, as an edit of the config does. Unchanged for a site at the root.
    configHash: base === '/' ? ctx.configHash : hash(`${ctx.configHash}\0${base}`),
    outDir,
    templatesDir,
    publicDir,
    manifestFile,
    stateDir,
    cacheDir: path.join(stateDir, 'cache'),
    site: Object.freeze({ ...site }),
    base,
    revalidate,
    concurrency,
    sources: Object.freeze(sources),
    routes: Object.freeze(routes),
    helpers: Object.freeze({ ...helpers }),
    headersFile,
    hostFiles,
    sitemap,
    onChange,
    purge,
    store,
    serve: Object.freeze(serve),
  });
}

/** `base` when set (it wins over site.url's path: a preview under another folder), else site.url's path. */
function resolveBase(value: unknown, siteUrl: string | undefined, fail: Fail): BasePath {
  if (value !== undefined) {
    if (typeof value !== 'string') return fail('base', 'a path such as "/repo/"', value);
    const parsed = parseBase(value);
    return 'base' in parsed ? parsed.base : fail('base', parsed.problem, value);
  }
  const implied = baseOfSiteUrl(siteUrl);
  return 'base' in implied
    ? implied.base
    : fail(
        'site.url',
        `a URL whose path can be the base path (${implied.problem})`,
        siteUrl,
        'fix the path of site.url, or set base: "/" explicitly',
      );
}

/**
 * The output folder is published whole (deployed, and served by `isr serve`), so it may hold
 * nothing else of the site: `--out .` served isr.config.mjs with its revalidateSecret, and a
 * manifest inside it was served with the stored page errors. Checked on paths as configured
 * (before anything exists), so a symlink pointing back into the site is not caught.
 */
function checkOutDir(
  outDir: string,
  o: {
    outKey: string;
    root: string;
    configFile: string;
    templatesDir: string;
    publicDir: string | undefined;
    manifestFile: string;
    contentDirs: string[];
    file: string;
  },
): void {
  const rel = (p: string) => path.relative(o.root, p).split(path.sep).join('/') || '.';
  const refuse = (what: string): never => {
    throw new IsrError('CONFIG_INVALID', `${o.outKey}: the output folder would ${what}, and it is published whole`, {
      file: o.file,
      hint: 'give the output a folder of its own, such as "dist"',
    });
  };
  if (isWithin(o.root, outDir)) refuse(`contain the site root (${rel(o.configFile)} with its secrets, the templates, the content)`);
  if (isWithin(o.configFile, outDir)) refuse(`contain the config file ${rel(o.configFile)}`);
  // Nor may it sit inside them: every run walks those folders, and an output file named like
  // content (a route writing `/api/posts.json`) would be read back as content.
  if (isWithin(o.templatesDir, outDir) || isWithin(outDir, o.templatesDir))
    refuse(`contain or be inside the templates folder ${rel(o.templatesDir)}`);
  // The public folder is copied into the output folder: one inside the other would copy forever.
  if (o.publicDir && (isWithin(o.publicDir, outDir) || isWithin(outDir, o.publicDir)))
    refuse(`contain or be inside the public folder ${rel(o.publicDir)} (publicDir)`);
  for (const dir of o.contentDirs) {
    const abs = path.resolve(o.root, dir);
    if (isWithin(abs, outDir) || isWithin(outDir, abs)) refuse(`contain or be inside the content folder ${rel(abs)} (a files() source)`);
  }
  if (isWithin(o.manifestFile, outDir)) {
    throw new IsrError(
      'CONFIG_INVALID',
      `manifest ${JSON.stringify(rel(o.manifestFile))}: it is inside the output folder (${o.outKey}), which is published whole`,
      {
        file: o.file,
        hint: 'keep the manifest outside it, e.g. manifest: ".isr/manifest.json"',
      },
    );
  }
}

/** `p` is `dir` or inside it. */
function isWithin(p: string, dir: string): boolean {
  const r = path.relative(dir, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r));
}
