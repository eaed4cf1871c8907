/**
 * Bad input, one table: every row breaks a copy of one built site (the example blog, built once)
 * in one way, runs the real CLI, and asserts the exit status, ONE stderr line that names what is
 * wrong and where (file:line, key, flag or path), no stack trace, and outDir + manifest byte for
 * byte unchanged, with no temp file or lock left behind. (test/cli/bad-input.test.ts covers the
 * build/regen issues' cases; this table stands alone and overlaps it on purpose in places.)
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type TempSite, tempSite } from '../helpers/site.js';
import { copyDir, diffSnapshots, snapshot } from './harness/util.js';

const NOW = '2026-06-01T00:00:00Z';
const LATER = '2026-06-02T00:00:00Z';
const CONFIG = 'isr.config.mjs';
const ROUTE_404 = "{ path: '/404.html', name: '404', template: '404.eta', revalidate: false }";

interface Row {
  name: string;
  /** Break the copy at `root`. */
  setup?: (root: string) => Promise<void>;
  /** CLI args after the command's site root is appended (default: regen). `{root}` is replaced. */
  args?: string[];
  env?: Record<string, string>;
  /** ISR_NOW for the run (default: a day after the build). */
  now?: string;
  code: number;
  stderr: RegExp;
}

async function edit(root: string, rel: string, from: string, to: string): Promise<void> {
  const file = path.join(root, rel);
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} does not contain ${JSON.stringify(from)}`);
  await writeFile(file, text.replace(from, to));
}
const config = (from: string, to: string) => (root: string) => edit(root, CONFIG, from, to);
/** The 404 route gets this load(). */
const load404 = (body: string) =>
  config(ROUTE_404, `{ path: '/404.html', name: '404', template: '404.eta', revalidate: false, load: ${body} }`);
const manifest = (text: string) => (root: string) => writeFile(path.join(root, '.isr', 'manifest.json'), text);
const editManifest = (f: (m: any) => void) => async (root: string) => {
  const file = path.join(root, '.isr', 'manifest.json');
  const m = JSON.parse(await readFile(file, 'utf8'));
  f(m);
  await writeFile(file, JSON.stringify(m));
};
/** Edit the pages of the fixture's manifest (one shard: the site is small). */
const editPages = (f: (pages: any) => void) => async (root: string) => {
  const head = JSON.parse(await readFile(path.join(root, '.isr', 'manifest.json'), 'utf8'));
  const file = path.join(root, '.isr', 'manifest-pages', head.shards['0'].file);
  const shard = JSON.parse(await readFile(file, 'utf8'));
  f(shard.pages);
  await writeFile(file, JSON.stringify(shard));
};
const WHERE_CONFIG = String.raw`isr\.config\.mjs: `;
const WAY_OUT = String.raw`\(delete \.isr/manifest\.json and \.isr/manifest-pages/ and run \`isr build\` to rebuild them \(the output folder is kept\)\) \[MANIFEST_CORRUPT\]`;

const ROWS: Row[] = [
  // --- config -------------------------------------------------------------------------------
  {
    name: 'config: routes is not an array',
    setup: config('  routes: [', '  routes: "home" || ['),
    code: 3,
    stderr: new RegExp(
      `^isr: ${WHERE_CONFIG}routes: expected a non-empty array of routes, found string "home" \\(add at least one \\{ path, template \\} route\\) \\[CONFIG_INVALID\\]$`,
    ),
  },
  {
    name: 'config: concurrency 0',
    setup: config('revalidate: 3600,', 'revalidate: 3600, concurrency: 0,'),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}concurrency: expected a whole number >= 1, found number 0`),
  },
  {
    name: 'config: site.url not absolute',
    setup: config("url: 'https://blog.example.com'", "url: '/blog'"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}site\\.url: expected an absolute http\\(s\\) URL, found string "/blog"`),
  },
  {
    name: 'config: route revalidate 0',
    setup: config('revalidate: 600,', 'revalidate: 0,'),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[0\\]\\.revalidate: expected a number of seconds >= 1 or false, found number 0`),
  },
  {
    name: 'config: route path with "?"',
    setup: config("path: '/feed.xml'", "path: '/feed.xml?x'"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[3\\]\\.path: expected a valid URL pattern \\(may not contain \\?`),
  },
  {
    name: 'config: route path repeating a param',
    setup: config("path: '/tags/:tag/'", "path: '/tags/:tag/:tag/'"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[2\\]\\.path: expected a valid URL pattern \\(repeats a param name\\)`),
  },
  {
    name: 'config: two routes with one name',
    setup: config("name: 'tag',", "name: 'post',"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[2\\]\\.name: expected a name not used by routes\\[1\\], found string "post"`),
  },
  {
    name: 'config: a source that is not a data source',
    setup: config("posts: files({ dir: 'content/posts' }),", 'posts: { dir: "content/posts" },'),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}sources\\.posts: expected a data source object with a "name"`),
  },
  {
    name: 'config: a helper that is not a function',
    setup: config('revalidate: 3600,', 'revalidate: 3600, helpers: { shout: "LOUD" },'),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}helpers\\.shout: expected a function, found string "LOUD"`),
  },
  {
    name: 'config: webhook path without "/"',
    setup: config('revalidate: 3600,', 'revalidate: 3600, serve: { revalidatePath: "hook" },'),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}serve\\.revalidatePath: expected a path starting with "/"`),
  },
  {
    name: 'config: misspelt route key (did you mean)',
    setup: config("template: 'post.eta',", "templete: 'post.eta',"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[1\\]\\.templete: unknown key .*did you mean "routes\\[1\\]\\.template"`),
  },
  {
    name: 'config: fallback "yes"',
    setup: config("fallback: 'blocking',", "fallback: 'yes',"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[1\\]\\.fallback: expected "blocking" or false, found string "yes"`),
  },
  {
    name: 'config: template outside the templates folder',
    setup: config("template: 'feed.eta',", "template: '../isr.config.mjs',"),
    code: 3,
    stderr: new RegExp(`^isr: ${WHERE_CONFIG}routes\\[3\\]\\.template: expected a file inside the templates folder`),
  },
  {
    name: 'config: export default of a function',
    setup: config('export default defineConfig({', 'export const unused = ({'),
    code: 3,
    stderr: /^isr: isr\.config\.mjs: the config has no default export object/,
  },
  { name: 'site root that does not exist', args: ['regen', '{root}/nope'], code: 3, stderr: /^isr: site root .*\/nope does not exist/ },

  // --- templates -------------------------------------------------------------------------------
  {
    name: 'template: unclosed tag (file:line)',
    setup: (r) => edit(r, 'templates/tag.eta', '<', '<%= it.tag \n<'),
    code: 4,
    stderr: /^isr: templates\/tag\.eta:\d+: .*\[TEMPLATE_SYNTAX\]$/,
  },
  {
    name: 'template: include of a missing partial (file:line)',
    setup: (r) => edit(r, 'templates/layouts/base.eta', "include('../partials/header')", "include('../partials/heeder')"),
    code: 4,
    stderr: /^isr: templates\/layouts\/base\.eta:\d+: template "partials\/heeder\.eta".* not found.*\[TEMPLATE_NOT_FOUND\]$/,
  },

  // --- front matter ----------------------------------------------------------------------------
  {
    name: 'front matter: invalid YAML (file:line)',
    setup: (r) => edit(r, 'content/posts/hello-world.md', 'tags: [meta, isr]', 'tags: [meta, isr'),
    code: 5,
    stderr: /^isr: content\/posts\/hello-world\.md:\d+: .*\[FRONT_MATTER\]$/,
  },
  {
    name: 'front matter: a list, not a mapping',
    setup: (r) => edit(r, 'content/posts/hello-world.md', 'title: Hello, world\ndate: 2026-01-05\ntags: [meta, isr]', '- just\n- a list'),
    code: 5,
    stderr: /^isr: content\/posts\/hello-world\.md:\d+: .*\[FRONT_MATTER\]$/,
  },
  {
    name: 'front matter: never closed',
    setup: (r) => edit(r, 'content/posts/why-static.md', '\n---\n', '\n'),
    code: 5,
    stderr: /^isr: content\/posts\/why-static\.md:\d+: .*\[FRONT_MATTER\]$/,
  },

  // --- plugin / loader results -------------------------------------------------------------------
  {
    name: 'load() returns undefined',
    setup: load404('() => undefined'),
    code: 5,
    stderr: /^isr: route "404": load\(\) for \/404\.html returned undefined, expected an object such as \{ props \}.*\[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'load() returns revalidate -5',
    setup: load404('() => ({ revalidate: -5 })'),
    code: 5,
    stderr: /^isr: route "404": load\(\) for \/404\.html returned revalidate -5, expected seconds >= 1 or false \[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'load() returns tags as a string',
    setup: load404('() => ({ tags: "news" })'),
    code: 5,
    stderr: /^isr: route "404": load\(\) for \/404\.html returned tags that are not an array of strings \[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'load() redirects to a relative URL',
    setup: load404('() => ({ redirect: "elsewhere" })'),
    code: 5,
    stderr:
      /^isr: route "404": load\(\) for \/404\.html returned a redirect without a "\/path" or http\(s\) destination \[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'load() returns props as an array',
    setup: load404('() => ({ props: [1, 2] })'),
    code: 5,
    stderr: /^isr: route "404": load\(\) for \/404\.html returned props of type an array, expected an object \[BAD_LOAD_RESULT\]$/,
  },
  {
    name: 'paths() gives a param with "/"',
    setup: config('.map((tag) => ({ tag }))', ".map((tag) => ({ tag: tag + '/x' }))"),
    code: 5,
    stderr: /^isr: .*route "tag".*"\w+\/x".*\[BAD_PARAMS\]$/,
  },
  {
    name: 'paths() gives ".."',
    setup: config('.map((tag) => ({ tag }))', ".map(() => ({ tag: '..' }))"),
    code: 5,
    stderr: /^isr: .*route "tag".*"\.\.".*\[BAD_PARAMS\]$/,
  },
  {
    name: 'paths() returns an object, not an array',
    setup: config('.map((tag) => ({ tag }))', '.map((tag) => ({ tag }))[0]'),
    code: 5,
    stderr: /^isr: routes? "tag": paths\(\) returned object, expected an array of params or paths .*\[BAD_PARAMS\]$/,
  },
  {
    name: 'a source list() returns an object',
    setup: config(
      "posts: files({ dir: 'content/posts' }),",
      "posts: { name: 'fake', list: async () => ({ items: [] }), get: async () => undefined },",
    ),
    code: 5,
    stderr: /^isr: source "posts" \(fake\) list\(\) returned object, not an array.*\[BAD_LOAD_RESULT\]$/,
  },

  // --- command line ----------------------------------------------------------------------------
  { name: 'unknown command', args: ['rebuild', '{root}'], code: 2, stderr: /^isr: unknown command 'rebuild'/ },
  {
    name: 'regen --route that does not exist',
    args: ['regen', '{root}', '--route', 'posts'],
    code: 2,
    stderr: /^isr: --route posts: no such route \(routes are: home, post, tag, feed, 404, home-page\) \[USAGE\]$/,
  },
  {
    name: 'regen --paths-from a missing file',
    args: ['regen', '{root}', '--paths-from', '{root}/paths.txt'],
    code: 2,
    stderr: /^isr: --paths-from .*paths\.txt: ENOENT.*\[USAGE\]$/,
  },
  {
    name: '--concurrency 1.5',
    args: ['regen', '{root}', '--concurrency', '1.5'],
    code: 2,
    stderr: /^isr: .*--concurrency expects a whole number >= 1/,
  },
  { name: '--wait abc', args: ['build', '{root}', '--wait', 'abc'], code: 2, stderr: /^isr: .*--wait expects a number >= 0/ },
  {
    name: 'ISR_NOW not a date',
    now: 'yesterday',
    code: 2,
    stderr: /^isr: ISR_NOW: expected an ISO 8601 date or epoch milliseconds, found "yesterday".*\[USAGE\]$/,
  },
  { name: 'serve --port -1', args: ['serve', '{root}', '--port', '-1'], code: 2, stderr: /^isr: .*--port expects a number >= 0/ },

  // --- manifest --------------------------------------------------------------------------------
  {
    name: 'manifest: empty file',
    setup: manifest(''),
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: the manifest is not valid JSON .*${WAY_OUT}$`),
  },
  {
    name: 'manifest: cut short',
    setup: async (r) => manifest((await readFile(path.join(r, '.isr/manifest.json'), 'utf8')).slice(0, 400))(r),
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: the manifest is not valid JSON .*${WAY_OUT}$`),
  },
  {
    name: 'manifest: a JSON array',
    setup: manifest('[]'),
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: this is not an isr manifest \\(no "version"\\) ${WAY_OUT}$`),
  },
  {
    name: 'manifest: foreign JSON (a package.json)',
    setup: manifest('{"name":"blog","version":"1.0.0"}'),
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: this is not an isr manifest \\(no "version"\\) ${WAY_OUT}$`),
  },
  {
    name: 'manifest: version 3',
    setup: editManifest((m) => (m.version = 3)),
    code: 6,
    stderr: new RegExp(
      `^isr: \\.isr/manifest\\.json: manifest version 3 is not supported \\(this isr reads versions 1 and 2\\) ${WAY_OUT}$`,
    ),
  },
  {
    name: 'manifest: shards is an array',
    setup: editManifest((m) => (m.shards = [])),
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: the manifest is missing "shards", "shardBits" or "generation" ${WAY_OUT}$`),
  },
  {
    name: 'manifest: a shard file is gone',
    setup: async (r) =>
      rm(path.join(r, '.isr/manifest-pages', JSON.parse(await readFile(path.join(r, '.isr/manifest.json'), 'utf8')).shards['0'].file)),
    args: ['regen', '{root}', '--all'],
    code: 6,
    stderr: new RegExp(`^isr: a shard of the manifest is missing \\(\\.isr/manifest-pages/0\\.\\d+\\.json\\) ${WAY_OUT}$`),
  },
  {
    name: 'manifest: an entry without builtAt',
    setup: editPages((pages) => delete pages['/blog/hello-world/'].builtAt),
    args: ['regen', '{root}', '--all'],
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: manifest entry for "/blog/hello-world/" is malformed ${WAY_OUT}$`),
  },
  {
    name: 'manifest: an entry whose file escapes the output folder',
    setup: editPages((pages) => (pages['/blog/hello-world/'].file = '../../etc/passwd')),
    args: ['regen', '{root}', '--all'],
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: manifest entry for "/blog/hello-world/" .*${WAY_OUT}$`),
  },
  {
    name: 'manifest: a page path with ".." segments',
    setup: editPages((pages) => {
      pages['/blog/../../../tmp/x/'] = { ...pages['/blog/hello-world/'], params: { slug: '../../../tmp/x' } };
    }),
    args: ['regen', '{root}', '--all'],
    code: 6,
    stderr: new RegExp(`^isr: \\.isr/manifest\\.json: manifest entry for "/blog/\\.\\./\\.\\./\\.\\./tmp/x/" .*${WAY_OUT}$`),
  },
  {
    name: 'manifest: a directory',
    setup: async (r) => {
      await rm(path.join(r, '.isr/manifest.json'));
      await mkdir(path.join(r, '.isr/manifest.json'));
    },
    code: 6,
    stderr: /^isr: \.isr\/manifest\.json: cannot read the manifest: EISDIR.*\[MANIFEST_CORRUPT\]$/,
  },
];

describe(`bad input table (${ROWS.length} rows): exit status, one line naming what and where, nothing changed`, () => {
  let built: TempSite;
  beforeAll(async () => {
    built = await tempSite('blog');
    const r = await built.run(['build', '--quiet'], { now: NOW });
    if (r.code !== 0) throw new Error(`fixture build failed: ${r.stderr}`);
  });
  afterAll(() => built?.cleanup());

  it('has at least 30 rows', () => expect(ROWS.length).toBeGreaterThanOrEqual(30));

  it.concurrent.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const root = `${built.root}-${ROWS.indexOf(row)}`;
    await copyDir(built.root, root);
    try {
      await row.setup?.(root);
      const published = () => {
        const m = new Map<string, Buffer>();
        for (const dir of ['dist', '.isr']) for (const [k, v] of snapshot(path.join(root, dir))) m.set(`${dir}/${k}`, v);
        return m;
      };
      const before = published();
      const args = (row.args ?? ['regen', '{root}']).map((a) => a.replaceAll('{root}', root));
      const r = await runCli(args, { cwd: root, now: row.now ?? LATER, env: row.env });
      const line = r.stderr.trimEnd();
      expect(r.code, `exit status; stderr: ${r.stderr}`).toBe(row.code);
      expect(r.stderr.endsWith('\n'), r.stderr).toBe(true);
      expect(line.split('\n'), 'exactly one stderr line').toHaveLength(1);
      expect(line).not.toMatch(/internal error|\n\s+at /);
      expect(line).toMatch(row.stderr);
      expect(diffSnapshots(before, published()), 'outDir and .isr unchanged').toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
