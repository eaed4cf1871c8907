import { chmod, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { contents, json, snapshot } from '../helpers/files.js';
import type { CliResult, TempSite } from '../helpers/site.js';

/**
 * Bad input: each case breaks a good, built copy of the example blog, runs the CLI, and asserts a
 * distinct non-zero exit status, ONE stderr line naming what and where, no stack trace, and the
 * published site (outDir and manifest) unchanged byte for byte.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const built = builtOnce('blog', { now: at(0) });
let site: TempSite;

/** Replace `from` (which must be there) with `to` in a file of the site. */
async function edit(rel: string, from: string, to: string): Promise<void> {
  const text = await site.read(rel);
  if (!text.includes(from)) throw new Error(`${rel} does not contain ${JSON.stringify(from)}`);
  await site.write(rel, text.replace(from, to));
}

/** 1-based line of the first line of `rel` containing `needle`. */
async function lineOf(rel: string, needle: string): Promise<number> {
  return (await site.read(rel)).split('\n').findIndex((l) => l.includes(needle)) + 1;
}

function expectOneCleanLine(r: CliResult): void {
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('internal error');
}

interface Case {
  name: string;
  break: () => Promise<void>;
  args?: string[];
  now?: number | string;
  env?: Record<string, string>;
  code: number;
  /** The exact stderr line, or a pattern for it (without the trailing newline). */
  stderr: string | RegExp | (() => Promise<string>);
}

const CONFIG = 'isr.config.mjs';

const CASES: Case[] = [
  {
    name: 'no config file',
    break: () => rm(path.join(site.root, CONFIG)),
    code: 3,
    stderr: async () =>
      `isr: no isr.config.ts/.mts/.cts/.js/.mjs/.cjs in ${site.root} (run \`isr init\` to create a site, pass the site folder as the first argument, or --config <file>) [CONFIG_NOT_FOUND]`,
  },
  {
    name: 'a syntax error in the config (file:line)',
    break: () => edit(CONFIG, 'revalidate: 3600,', 'revalidate: 3600,,'),
    code: 3,
    stderr: async () =>
      `isr: isr.config.mjs:${await lineOf(CONFIG, 'revalidate: 3600,,')}: cannot load config: Unexpected token ',' (fix the error in the config file) [CONFIG_LOAD]`,
  },
  {
    name: 'a config that throws while loading (file:line)',
    break: () => edit(CONFIG, 'export default defineConfig({', "throw new Error('API_KEY is not set');\nexport default defineConfig({"),
    code: 3,
    stderr: async () =>
      `isr: isr.config.mjs:${await lineOf(CONFIG, 'API_KEY')}: cannot load config: API_KEY is not set (fix the error in the config file) [CONFIG_LOAD]`,
  },
  {
    name: 'a config without a default export',
    break: () => site.write(CONFIG, 'export const routes = [];\n'),
    code: 3,
    stderr:
      'isr: isr.config.mjs: the config has no default export object (end it with `export default defineConfig({ routes: [...] })`) [CONFIG_INVALID]',
  },
  {
    name: 'an unknown config key (did you mean)',
    break: () => edit(CONFIG, 'revalidate: 3600,', 'revalidat: 3600,'),
    code: 3,
    stderr:
      'isr: isr.config.mjs: revalidat: unknown key (known keys: site, base, outDir, templatesDir, publicDir, manifest, revalidate, concurrency, sources, routes, helpers, headersFile, sitemap, onChange, serve, purge, hostFiles, store) (did you mean "revalidate"?) [CONFIG_INVALID]',
  },
  {
    name: 'a wrong type (key, expected, found)',
    break: () => edit(CONFIG, 'revalidate: 3600,', "revalidate: '1h',"),
    code: 3,
    stderr:
      'isr: isr.config.mjs: revalidate: expected a number of seconds >= 1 or false, found string "1h" (see "Config reference" in the README) [CONFIG_INVALID]',
  },
  {
    name: 'a route without a template',
    break: () => edit(CONFIG, "template: 'feed.eta',", ''),
    code: 3,
    stderr:
      'isr: isr.config.mjs: routes[3].template: expected a template file name, found nothing (every route needs a template, e.g. template: "page.eta") [CONFIG_INVALID]',
  },
  {
    name: 'a route with params but no paths()',
    break: () => edit(CONFIG, 'paths: async ({ sources }) => (await published(sources)).map((p) => ({ slug: p.id })),', ''),
    code: 3,
    stderr:
      'isr: isr.config.mjs: routes[1].paths: expected a function listing the params of "/blog/:slug/", found nothing (a route with :params needs paths()) [CONFIG_INVALID]',
  },
  {
    name: 'a missing template',
    break: () => edit(CONFIG, "template: 'feed.eta',", "template: 'rss.eta',"),
    code: 4,
    stderr:
      'isr: isr.config.mjs: routes[3].template: template "rss.eta" not found in templates (create the file or fix the name) [TEMPLATE_NOT_FOUND]',
  },
  {
    name: 'a template syntax error (file:line)',
    break: () => edit('templates/post.eta', '<%~ it.post.html %>', '<%~ it.post.html'),
    code: 4,
    stderr: /^isr: templates\/post\.eta:7: template syntax error: .+ \(fix the template tag at that line\) \[TEMPLATE_SYNTAX\]$/,
  },
  {
    name: 'a JavaScript syntax error inside a template tag (file:line)',
    break: () => edit('templates/tag.eta', '<% for (const post of it.posts) { %>', '<% for (const post of it.posts { %>'),
    code: 4,
    stderr: /^isr: templates\/tag\.eta:4: template syntax error: .+ \(fix the template tag at that line\) \[TEMPLATE_SYNTAX\]$/,
  },
  {
    name: 'a layout that does not exist (file:line)',
    break: () => edit('templates/tag.eta', "layout('./layouts/base'", "layout('./layouts/nope'"),
    code: 4,
    stderr:
      'isr: templates/tag.eta:1: template "layouts/nope.eta" not found (named "./layouts/nope") (create templates/layouts/nope.eta or fix the name) [TEMPLATE_NOT_FOUND]',
  },
  {
    name: 'bad front matter YAML (file:line)',
    break: () => edit('content/posts/hello-world.md', 'date: 2026-01-05', 'date: 2026-01-05\ntitle: twice'),
    code: 5,
    stderr: 'isr: content/posts/hello-world.md:4: invalid YAML: Map keys must be unique (fix the YAML syntax) [FRONT_MATTER]',
  },
  {
    name: 'bad front matter found by a regen whose listing is due',
    break: () => edit('content/posts/why-static.md', 'tags: [hosting]', 'tags: [hosting'),
    args: ['regen'],
    now: T0 + 3600_000,
    code: 5,
    stderr: /^isr: content\/posts\/why-static\.md:\d: invalid YAML: .+ \(fix the YAML syntax\) \[FRONT_MATTER\]$/,
  },
  {
    name: 'two fixed routes with the same output path',
    break: () => edit(CONFIG, "path: '/feed.xml',", "path: '/404.html',"),
    code: 5,
    stderr: 'isr: routes[4] and routes[3] both produce /404.html (give each route its own path) [DUPLICATE_OUTPUT]',
  },
  {
    name: 'two routes whose paths() produce the same page',
    break: () =>
      edit(
        CONFIG,
        "    { path: '/404.html'",
        "    { path: '/tags/:name/', name: 'topics', template: 'tag.eta', paths: () => [{ name: 'isr' }] },\n    { path: '/404.html'",
      ),
    code: 5,
    stderr: 'isr: routes "tag" and "topics" both produce /tags/isr/ (make the patterns or their paths() distinct) [DUPLICATE_OUTPUT]',
  },
  ...[
    ["{ slug: '..' }", 'isr: route "post": paths() gave {"slug":".."}: param "slug" = ".." contains ".."'],
    ["{ slug: '../../etc' }", 'isr: route "post": paths() gave {"slug":"../../etc"}: param "slug" = "../../etc" contains ".."'],
    ["{ slug: 'a/b' }", 'isr: route "post": paths() gave {"slug":"a/b"}: param "slug" = "a/b" contains a slash'],
    ["{ slug: '/etc/passwd' }", 'isr: route "post": paths() gave {"slug":"/etc/passwd"}: param "slug" = "/etc/passwd" contains a slash'],
    ["'/etc/passwd'", 'isr: route "post": paths() gave "/etc/passwd": does not match the pattern /blog/:slug/'],
  ].map(
    ([param, message]): Case => ({
      name: `a path param ${param}`,
      break: () => edit(CONFIG, '.map((p) => ({ slug: p.id })),', `.map((p) => ({ slug: p.id })).concat([${param}]),`),
      code: 5,
      // A slash in a one-segment param points at the rest param (issue 21).
      stderr: message.endsWith('contains a slash')
        ? `${message} (a param holds one segment; for several, make it a rest param: "/blog/:slug*/") [BAD_PARAMS]`
        : `${message} (params may not be empty or contain "/", "\\" or "..") [BAD_PARAMS]`,
    }),
  ),
  {
    name: 'a loader returning a non-object',
    break: () => edit(CONFIG, 'if (!post || post.data.draft) return { notFound: true };', "return 'hello';"),
    code: 5,
    stderr:
      /^isr: route "post": load\(\) for \/blog\/[a-z-]+\/ returned string, expected an object such as \{ props \} \(return \{ props: \{\.\.\.\} \}, \{ notFound: true \} or \{ redirect: "\/elsewhere\/" \}\) \[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'a content folder that is missing',
    break: () => rm(path.join(site.root, 'content/posts'), { recursive: true }),
    code: 5,
    stderr:
      'isr: cannot read content folder content/posts: it does not exist (check the folder exists and is readable (files({ dir }) is relative to the site root)) [CONTENT_UNREADABLE]',
  },
  {
    name: 'regen without a manifest',
    break: () => rm(path.join(site.root, '.isr'), { recursive: true }),
    args: ['regen'],
    code: 6,
    stderr:
      'isr: no manifest at .isr/manifest.json (run `isr build` first (in CI, restore the output folder and .isr/ from the cache before `isr regen`)) [MANIFEST_MISSING]',
  },
  {
    name: 'regen with a corrupt manifest',
    break: () => site.write('.isr/manifest.json', '{"version": 1, "pages": {'),
    args: ['regen'],
    code: 6,
    stderr:
      /^isr: \.isr\/manifest\.json: the manifest is not valid JSON \(.+\) \(delete \.isr\/manifest\.json and \.isr\/manifest-pages\/ and run `isr build` to rebuild them \(the output folder is kept\)\) \[MANIFEST_CORRUPT\]$/,
  },
  {
    name: 'regen with a manifest of another version',
    break: async () => site.write('.isr/manifest.json', (await site.read('.isr/manifest.json')).replace('"version": 2', '"version": 3')),
    args: ['regen'],
    code: 6,
    stderr:
      'isr: .isr/manifest.json: manifest version 3 is not supported (this isr reads versions 1 and 2) (delete .isr/manifest.json and .isr/manifest-pages/ and run `isr build` to rebuild them (the output folder is kept)) [MANIFEST_CORRUPT]',
  },
  {
    name: 'build with a corrupt manifest (never guessed at)',
    break: () => site.write('.isr/manifest.json', 'garbage'),
    code: 6,
    stderr: /^isr: \.isr\/manifest\.json: the manifest is not valid JSON .+\[MANIFEST_CORRUPT\]$/,
  },
  {
    name: 'a site locked by another running isr',
    break: () =>
      site.write(
        '.isr/lock/owner.json',
        JSON.stringify({ pid: process.pid, host: hostname(), token: 't', startedAt: T0, command: 'isr build' }),
      ),
    args: ['regen'],
    code: 75,
    stderr: `isr: .isr/lock: another isr run holds the lock (isr build, pid ${process.pid} on ${hostname()}, since 2026-06-01T00:00:00.000Z) (wait for it to finish, or pass --wait SECONDS) [LOCKED]`,
  },
  {
    name: '--concurrency 0',
    break: async () => {},
    args: ['build', '--concurrency', '0'],
    code: 2,
    stderr: "isr: option '--concurrency <n>' argument '0' is invalid. --concurrency expects a whole number >= 1 (see isr --help)",
  },
  {
    name: '--concurrency abc',
    break: async () => {},
    args: ['regen', '--concurrency', 'abc'],
    code: 2,
    stderr: "isr: option '--concurrency <n>' argument 'abc' is invalid. --concurrency expects a whole number >= 1 (see isr --help)",
  },
  {
    name: '--wait -1',
    break: async () => {},
    args: ['regen', '--wait', '-1'],
    code: 2,
    stderr: "isr: option '--wait <seconds>' argument '-1' is invalid. --wait expects a number >= 0 (see isr --help)",
  },
  {
    name: 'an unknown flag',
    break: async () => {},
    args: ['regen', '--tags', 'x'],
    code: 2,
    stderr: "isr: unknown option '--tags' (Did you mean --tag?) (see isr --help)",
  },
  {
    name: 'ISR_NOW that is not a date',
    break: async () => {},
    args: ['regen'],
    now: 'next tuesday',
    code: 2,
    stderr:
      'isr: ISR_NOW: expected an ISO 8601 date or epoch milliseconds, found "next tuesday" (e.g. ISR_NOW=2026-01-01T00:00:00Z) [USAGE]',
  },
];

describe('bad input', () => {
  it('gives every case its own exit status family', () => {
    expect(new Set(CASES.map((c) => c.code))).toEqual(new Set([2, 3, 4, 5, 6, 75]));
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    site = await built.copy();
    await c.break();
    const before = contents(await snapshot(site.root));
    const args = c.args ?? ['build'];
    const r = await site.run(args, { now: c.now ?? T0 + 1000, env: c.env });
    expect(r.code).toBe(c.code);
    expect(r.stdout).toBe('');
    expectOneCleanLine(r);
    const line = r.stderr.trimEnd();
    if (c.stderr instanceof RegExp) expect(line).toMatch(c.stderr);
    else expect(line).toBe(typeof c.stderr === 'function' ? await c.stderr() : c.stderr);
    expect(contents(await snapshot(site.root))).toEqual(before);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable content folder (chmod 000; skipped as root, who can read it anyway)', async () => {
    site = await built.copy();
    const dir = path.join(site.root, 'content/posts');
    const before = contents(await snapshot(site.root));
    await chmod(dir, 0o000);
    try {
      const r = await site.run(['build'], { now: T0 + 1000 });
      expect(r.code).toBe(5);
      expectOneCleanLine(r);
      expect(r.stderr).toMatch(/^isr: cannot read content folder content\/posts: .*EACCES.* \[CONTENT_UNREADABLE\]\n$/);
    } finally {
      await chmod(dir, 0o755);
    }
    expect(contents(await snapshot(site.root))).toEqual(before);
  });
});

describe('bad named paths and tags', () => {
  // (A malformed --path, such as one without a leading "/", is a usage error: test/cli/regen-report.test.ts.)
  it('reports each --path that matches no route on its own line, renders the good ones and exits 1', async () => {
    site = await built.copy();
    const r = await site.run(['regen', '--path', '/nope/y/', '--path', '/nope/x/', '--path', '/blog/why-static'], {
      now: T0 + 1000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      'error --path /nope/y/: matches no route',
      'error --path /nope/x/: matches no route',
      expect.stringMatching(/^regenerated 1 page in \d+\.\d\ds: 0 written, 1 unchanged, 0 removed, 0 failed$/),
      '',
    ]);
    expect((await site.manifest()).pages['/blog/why-static/'].builtAt).toBe(T0 + 1000);
  });

  it('lists the bad paths in --json and still exits 1', async () => {
    site = await built.copy();
    const r = await site.run(['regen', '--json', '--path', '/nope/', '--path', '/'], { now: T0 + 1000 });
    expect(r.code).toBe(1);
    expect(json(r).errors).toEqual([{ path: '/nope/', message: 'matches no route' }]);
    expect(json(r).rendered).toEqual(['/']);
  });

  it('warns about a --tag no page has and exits 0', async () => {
    site = await built.copy();
    const before = await snapshot(site.root);
    const r = await site.run(['regen', '--tag', 'post:999'], { now: T0 + 1000 });
    expect(r).toEqual({
      code: 0,
      stdout: '',
      stderr: 'warning --tag post:999: no page recorded this tag; nothing to render for it\nnothing due\n',
    });
    expect(await snapshot(site.root)).toEqual(before);
  });
});

describe('a template that throws while rendering', () => {
  it('fails the pages using it with file:line, keeps their last good files and publishes the others', async () => {
    site = await built.copy();
    const good = await site.read('dist/blog/hello-world/index.html');
    await edit('templates/post.eta', '<%~ it.post.html %>', '<%~ it.post.missing.html %>');
    await edit('content/posts/why-static.md', 'title: Why static hosting still wins', 'title: Static wins');
    const r = await site.run(['regen', '--json', '--tag', 'file:content/posts/why-static.md'], { now: T0 + 1000 });
    expect(r.code).toBe(1);
    const out = json(r);
    // post.eta changed, so every post is re-rendered (template-changed) and every one fails.
    expect(out.failed.map((f: { path: string }) => f.path).sort()).toEqual([
      '/blog/cron-in-ci/',
      '/blog/hello-world/',
      '/blog/revalidate-explained/',
      '/blog/why-static/',
    ]);
    expect(out.failed.find((f: { path: string }) => f.path === '/blog/why-static/')).toEqual({
      path: '/blog/why-static/',
      error: "/blog/why-static/: templates/post.eta:7: template error: Cannot read properties of undefined (reading 'html')",
    });
    expect(out.written.sort()).toEqual(['feed.xml', 'index.html', 'sitemap.xml', 'tags/hosting/index.html']);
    expect(await site.read('dist/blog/hello-world/index.html')).toBe(good);
    expect(await site.read('dist/blog/why-static/index.html')).toContain('Why static hosting still wins');
  });
});
