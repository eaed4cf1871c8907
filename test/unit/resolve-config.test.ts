import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { configRoot } from '../helpers/config-root.js';

const site = configRoot();
const resolve = site.resolve;

/** The IsrError a config throws, as the fields a user sees. */
function failure(user: unknown): { code: string; line: string; exit: number } {
  try {
    resolve(user);
  } catch (err) {
    if (!(err instanceof IsrError)) throw err;
    return { code: err.code, line: err.toLine(), exit: err.exitCode };
  }
  throw new Error('expected the config to be refused');
}

const page = { path: '/', template: 'page.eta' };
const KNOWN_TOP =
  'site, base, outDir, templatesDir, publicDir, manifest, revalidate, concurrency, sources, routes, helpers, headersFile, sitemap, onChange, serve, purge, hostFiles, store';

describe('config validation', () => {
  it('names an unknown key, lists the known ones and suggests the near one', () => {
    expect(failure({ routes: [page], revalidat: 60 })).toEqual({
      code: 'CONFIG_INVALID',
      exit: 3,
      line: `isr.config.mjs: revalidat: unknown key (known keys: ${KNOWN_TOP}) (did you mean "revalidate"?)`,
    });
  });

  it('suggests a key that differs only in case', () => {
    expect(failure({ routes: [page], outdir: 'x' }).line).toMatch(/outdir: unknown key .*\(did you mean "outDir"\?\)$/);
  });

  it('says to remove an unknown key that is near nothing', () => {
    expect(failure({ routes: [page], colour: 'red' }).line).toMatch(
      /^isr\.config\.mjs: colour: unknown key \(known keys: .*\) \(remove it\)$/,
    );
  });

  it('names an unknown key of a route with its index', () => {
    expect(failure({ routes: [page, { path: '/a/', templat: 'page.eta' }] }).line).toMatch(
      /^isr\.config\.mjs: routes\[1\]\.templat: unknown key \(known keys: path, template, .*\) \(did you mean "routes\[1\]\.template"\?\)$/,
    );
  });

  it('names an unknown key of serve', () => {
    expect(failure({ routes: [page], serve: { secret: 'x' } }).line).toMatch(/^isr\.config\.mjs: serve\.secret: unknown key/);
  });

  it.each([
    [{ concurrency: '4' }, 'concurrency: expected a whole number >= 1, found string "4"'],
    [{ concurrency: 0 }, 'concurrency: expected a whole number >= 1, found number 0'],
    [{ revalidate: 0 }, 'revalidate: expected a number of seconds >= 1 or false, found number 0'],
    [{ revalidate: true }, 'revalidate: expected a number of seconds >= 1 or false, found boolean true'],
    [{ outDir: '' }, 'outDir: expected a folder path, found string ""'],
    [{ site: 'x' }, 'site: expected an object, found string "x"'],
    [{ site: { url: 'example.com' } }, 'site.url: expected an absolute http(s) URL, found string "example.com"'],
    [{ headersFile: 'yes' }, 'headersFile: expected true or false, found string "yes"'],
    [{ helpers: { money: 1 } }, 'helpers.money: expected a function, found number 1'],
    [{ onChange: 'purge' }, 'onChange: expected a function, found string "purge"'],
    [
      { sources: { posts: {} } },
      'sources.posts: expected a data source object with a "name" (e.g. files({ dir: "content" })), found an object',
    ],
    [{ sources: { posts: { name: 'p', list: [] } } }, 'sources.posts.list: expected a function, found an array'],
    [{ serve: { revalidatePath: 'hook' } }, 'serve.revalidatePath: expected a path starting with "/", found string "hook"'],
  ])('refuses %j naming the key, what was expected and what was found', (extra, message) => {
    expect(failure({ routes: [page], ...extra })).toEqual({
      code: 'CONFIG_INVALID',
      exit: 3,
      line: `isr.config.mjs: ${message} (see "Config reference" in the README)`,
    });
  });

  it('refuses a config without routes', () => {
    expect(failure({}).line).toBe(
      'isr.config.mjs: routes: expected a non-empty array of routes, found nothing (add at least one { path, template } route)',
    );
    expect(failure({ routes: [] }).line).toBe(
      'isr.config.mjs: routes: expected a non-empty array of routes, found an array (add at least one { path, template } route)',
    );
  });

  it('refuses a route without a template', () => {
    expect(failure({ routes: [page, { path: '/about/' }] })).toEqual({
      code: 'CONFIG_INVALID',
      exit: 3,
      line: 'isr.config.mjs: routes[1].template: expected a template file name, found nothing (every route needs a template, e.g. template: "page.eta")',
    });
  });

  it('refuses a template that does not exist, naming the route and the config file', () => {
    const f = failure({ routes: [{ path: '/', template: 'nope.eta' }] });
    expect(f.code).toBe('TEMPLATE_NOT_FOUND');
    expect(f.exit).toBe(4);
    expect(f.line).toMatch(
      /^isr\.config\.mjs: routes\[0\]\.template: template "nope\.eta" not found in .*templates \(create the file or fix the name\)$/,
    );
  });

  it('refuses a template outside the templates folder', () => {
    expect(failure({ routes: [{ path: '/', template: '../secret.eta' }] }).line).toBe(
      'isr.config.mjs: routes[0].template: expected a file inside the templates folder, found string "../secret.eta" (see "Config reference" in the README)',
    );
  });

  it('refuses a route with params but no paths()', () => {
    expect(failure({ routes: [{ path: '/blog/:slug/', template: 'page.eta' }] }).line).toBe(
      'isr.config.mjs: routes[0].paths: expected a function listing the params of "/blog/:slug/", found nothing (a route with :params needs paths())',
    );
  });

  it('refuses a malformed pattern with the reason', () => {
    expect(failure({ routes: [{ path: 'blog', template: 'page.eta' }] }).line).toBe(
      'isr.config.mjs: routes[0].path: expected a valid URL pattern (must start with "/"), found string "blog" (see "Config reference" in the README)',
    );
  });

  it('refuses two fixed routes with the same output as an input error', () => {
    const f = failure({ routes: [page, { path: '/', name: 'other', template: 'page.eta' }] });
    expect(f).toEqual({ code: 'DUPLICATE_OUTPUT', exit: 5, line: 'routes[1] and routes[0] both produce / (give each route its own path)' });
  });

  it('refuses two routes with the same name', () => {
    expect(
      failure({
        routes: [
          { ...page, name: 'x' },
          { path: '/a/', name: 'x', template: 'page.eta' },
        ],
      }).line,
    ).toBe(
      'isr.config.mjs: routes[1].name: expected a name not used by routes[0], found string "x" (see "Config reference" in the README)',
    );
  });

  it('refuses a bad per-route value', () => {
    expect(failure({ routes: [{ ...page, fallback: true }] }).line).toMatch(
      /routes\[0\]\.fallback: expected "blocking" or false, found boolean true/,
    );
    expect(failure({ routes: [{ ...page, listRevalidate: -1 }] }).line).toMatch(
      /routes\[0\]\.listRevalidate: expected a number of seconds >= 1 or false, found number -1/,
    );
  });
});

describe('config defaults', () => {
  it('resolves paths against the root and applies defaults', () => {
    const c = resolve({ routes: [page] });
    expect(c.outDir).toBe(path.join(site.root, 'dist'));
    expect(c.templatesDir).toBe(path.join(site.root, 'templates'));
    expect(c.manifestFile).toBe(path.join(site.root, '.isr', 'manifest.json'));
    expect(c.stateDir).toBe(path.join(site.root, '.isr'));
    expect(c.cacheDir).toBe(path.join(site.root, '.isr', 'cache'));
    expect(c.revalidate).toBe(false);
    expect(c.concurrency).toBe(16);
    expect(c.headersFile).toBe(true);
    expect(c.sitemap).toBe(true);
    expect(c.serve.revalidatePath).toBe('/__isr/revalidate');
  });

  it('gives routes the site revalidate, listRevalidate = revalidate, the pattern as name', () => {
    const c = resolve({
      revalidate: 60,
      routes: [
        page,
        { path: '/feed.xml', template: 'page.eta' },
        { path: '/404.html', template: 'page.eta' },
        { path: '/p/:id/', template: 'page.eta', paths: () => [], revalidate: 10, listRevalidate: false },
      ],
    });
    expect(c.routes.map((r) => [r.name, r.revalidate, r.listRevalidate, r.sitemap])).toEqual([
      ['/', 60, 60, true],
      ['/feed.xml', 60, 60, false],
      ['/404.html', 60, 60, false],
      ['/p/:id/', 10, false, true],
    ]);
  });

  it('lets --out and --concurrency override the config', () => {
    const c = resolve({ routes: [page], outDir: 'public', concurrency: 4 }, { outDir: 'elsewhere', concurrency: 2 });
    expect(c.outDir).toBe(path.join(site.root, 'elsewhere'));
    expect(c.concurrency).toBe(2);
  });

  it('is frozen, so nothing downstream can change it', () => {
    const c = resolve({ routes: [page] });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.routes)).toBe(true);
    expect(Object.isFrozen(c.routes[0])).toBe(true);
  });
});
