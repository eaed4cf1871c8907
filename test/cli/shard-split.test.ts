/**
 * Shards split when pages added on demand outgrow them (issue 16, item 5). Runs that add pages
 * by name (`isr regen --path`, `isr serve`'s fallback and webhook) read only the shards they
 * touch, and the split used to be chosen only by runs holding every page: a flood of on-demand
 * pages grew one shard without bound. ISR_PAGES_PER_SHARD=2 makes the bound 4 pages a shard.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { readManifestJson, runCli, siteFrom } from '../helpers/site.js';
import { type ServeProc, startServe } from '../reliability/harness/serve-proc.js';

const env = { ISR_PAGES_PER_SHARD: '2' };
const MAX = 4;
const NOW = Date.parse('2026-01-01T00:00:00Z');

const CONFIG = `import { defineConfig } from 'static-isr';

export default defineConfig({
  site: { url: 'https://split.example.com', title: 'split' },
  revalidate: false,
  routes: [
    {
      path: '/o/:slug/',
      name: 'page',
      template: 'page.eta',
      fallback: 'blocking',
      paths: async () => [{ slug: 'a' }, { slug: 'b' }, { slug: 'c' }],
      load: async ({ params }) => ({ props: { slug: params.slug } }),
    },
    { path: '/', name: 'home', template: 'home.eta', load: async () => ({ props: {} }) },
  ],
});
`;

let root: string | undefined;
let server: ServeProc | undefined;
afterEach(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  root = server = undefined;
});

async function builtSite(): Promise<string> {
  const { root: dir } = await siteFrom('split', {
    'isr.config.mjs': CONFIG,
    'templates/page.eta': '<p>slug <%= it.slug %></p>\n',
    'templates/home.eta': '<p>home</p>\n',
  });
  const built = await runCli(['build', dir, '--quiet'], { env, now: NOW });
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  return dir;
}

/** Every shard of the head within the bound, and every expected page in the manifest and on disk. */
async function expectSplitAndReadable(dir: string, slugs: string[]): Promise<void> {
  const head = JSON.parse(await readFile(path.join(dir, '.isr/manifest.json'), 'utf8'));
  const sizes = Object.values<{ pages: number }>(head.shards).map((s) => s.pages);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(slugs.length + 1); // and the home page
  const m = await readManifestJson(dir);
  for (const slug of slugs) {
    expect(m.pages[`/o/${slug}/`]).toMatchObject({ status: 'ok', file: `o/${slug}/index.html` });
    expect(await readFile(path.join(dir, 'dist/o', slug, 'index.html'), 'utf8')).toBe(`<p>slug ${slug}</p>\n`);
  }
  // No shard file is left that the head does not name.
  const named = new Set(Object.values<{ file: string }>(head.shards).map((s) => s.file));
  const { readdir } = await import('node:fs/promises');
  expect((await readdir(path.join(dir, '.isr/manifest-pages'))).filter((f) => !named.has(f))).toEqual([]);
}

test('isr regen --path adding pages on demand splits the shards they outgrow', async () => {
  root = await builtSite();
  const slugs = ['a', 'b', 'c'];
  for (let run = 0; run < 3; run++) {
    const names = Array.from({ length: 10 }, (_, i) => `n${run * 10 + i}`);
    const r = await runCli(['regen', root, '--quiet', ...names.flatMap((n) => ['--path', `/o/${n}/`])], { env, now: NOW + 1000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    slugs.push(...names);
    await expectSplitAndReadable(root, slugs);
  }
  // A later run reads the split manifest as any other.
  const again = await runCli(['regen', root, '--path', '/o/n0/', '--json'], { env, now: NOW + 2000 });
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).rendered).toEqual(['/o/n0/']);
}, 60_000);

test('isr serve rendering fallback pages splits the shards they outgrow and serves every page', async () => {
  root = await builtSite();
  server = await startServe(root, { now: NOW + 1000, env });
  const slugs = ['a', 'b', 'c'];
  for (let i = 0; i < 24; i++) {
    const slug = `s${i}`;
    const res = await fetch(new URL(`/o/${slug}/`, server.url));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`<p>slug ${slug}</p>\n`);
    slugs.push(slug);
  }
  await expectSplitAndReadable(root, slugs);
  // The server adopted the split manifests: every page still answers, from its memory.
  for (const slug of slugs) {
    const res = await fetch(new URL(`/o/${slug}/`, server.url));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`<p>slug ${slug}</p>\n`);
  }
  expect(server.stderr()).not.toMatch(/Invariant|Error/);
  expect(existsSync(path.join(root, '.isr/lock'))).toBe(false);
}, 60_000);
