import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, siteFrom, type TempSite } from '../helpers/site.js';

// What runs from V8's code cache must behave as what Node compiled itself: the user's config
// shares isr's module instance, and every dynamic import of the bundle (the config, jiti,
// fast-glob, node:cluster) works. Each case runs twice on one cache folder: the first run writes
// the cache, the second runs from it (on Node >= 22.1, from Node's own cache).
const T0 = '2026-06-01T00:00:00Z';
const builtIn = typeof (Module as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** A config importing 'static-isr' (defineConfig, files with an `include`: fast-glob, IsrError). */
const CONFIG = `import { defineConfig, files, IsrError } from 'static-isr';

export default defineConfig({
  sources: { posts: files({ dir: 'content', include: ['**/*.md'] }) },
  routes: [
    {
      path: '/:slug/',
      template: 'post.eta',
      paths: async ({ sources }) => (await sources.posts.list()).map((p) => ({ slug: p.slug })),
      load: async ({ params, sources }) => {
        if (process.env.CC_TEST_THROW) throw new IsrError('BAD_LOAD_RESULT', 'the CMS sent no title', { hint: 'add a title' });
        return { props: { post: await sources.posts.get(params.slug) } };
      },
    },
  ],
});
`;

describe('the CLI run from its compile cache', () => {
  let site: TempSite;
  let work: string;
  let cache: string;
  const env = (extra: Record<string, string> = {}) => ({ NODE_COMPILE_CACHE: cache, ...extra });
  /**
   * A first build, twice on one cache: the run without a cache and the run from it must print the
   * same (but for the time taken).
   */
  const twice = async (args: string[], extra: Record<string, string> = {}) => {
    cache = await mkdtemp(path.join(work, 'cache-'));
    const build = async () => {
      await rm(path.join(site.root, '.isr'), { recursive: true, force: true });
      await rm(path.join(site.root, 'dist'), { recursive: true, force: true });
      const r = await site.run(['build', ...args], { now: T0, env: env(extra) });
      return {
        ...r,
        stdout: r.stdout.replace(/,"durationMs":\d+/, ''),
        stderr: r.stderr.replace(/ in \d+ ms/, '').replace(/\?t=\d+/g, ''),
      };
    };
    const first = await build();
    if (!builtIn) expect(await readdir(cache)).toHaveLength(1);
    const second = await build();
    expect(second).toEqual(first);
    return second;
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'isr-ccm-'));
    site = await siteFrom('cc-modules', {
      'isr.config.mjs': CONFIG,
      'templates/post.eta': '<h1><%= it.post.data.title %></h1>\n',
      'content/one.md': '---\ntitle: One\n---\nBody.\n',
      'content/two.md': '---\ntitle: Two\n---\nBody.\n',
    });
  });
  afterAll(async () => {
    await site.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  for (const ext of ['mjs', 'ts']) {
    it(`loads an isr.config.${ext} importing 'static-isr', and lists files through fast-glob`, async () => {
      await useConfig(ext);
      const r = await twice(['--json']);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout).written.sort()).toEqual(['_headers', 'one/index.html', 'two/index.html']);
    });

    it(`gives the CLI's own IsrError class to an isr.config.${ext} (one module instance)`, async () => {
      await useConfig(ext);
      const r = await twice([], { CC_TEST_THROW: '1' });
      expect(r.stderr).toBe('isr: the CMS sent no title (add a title) [BAD_LOAD_RESULT]\n');
      expect(r.code).toBe(5);
    });
  }

  it('names dist/isr.cjs and its lines in the stack traces of --debug', async () => {
    await useConfig('mjs');
    const r = await twice(['--debug'], { CC_TEST_THROW: '1' });
    expect(r.stderr).toMatch(new RegExp(`\\n\\s+at .*${path.join('dist', 'isr.cjs').replace(/[.\\/]/g, '\\$&')}:\\d+:\\d+`));
  });

  describe('serve --workers', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill('SIGKILL');
      child = undefined;
    });

    it('starts its workers (node:cluster, imported) from the cache', async () => {
      await useConfig('mjs');
      cache = await mkdtemp(path.join(work, 'cache-'));
      await rm(path.join(site.root, '.isr'), { recursive: true, force: true });
      expect((await site.run(['build'], { now: T0, env: env() })).code).toBe(0);
      if (!builtIn) expect(await readdir(cache)).toHaveLength(1);
      child = spawn(process.execPath, [BIN, 'serve', site.root, '--port', '0', '--workers', '2'], {
        env: { ...process.env, NO_COLOR: '1', ISR_NOW: T0, ...env() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (err += d));
      const url = await new Promise<string>((resolve, reject) => {
        child!.stdout!.on('data', () => {
          const m = /isr serve: .* at (http:\/\/\S+) \(2 workers\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child!.on('exit', (code) => reject(new Error(`isr serve exited with ${code}: ${err}`)));
      });
      const res = await fetch(new URL('/one/', url));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('<h1>One</h1>\n');
      expect(err).toBe('');
    });
  });

  /** Make isr.config.<ext> the site's only config (the TypeScript one is the same text: valid TS). */
  async function useConfig(ext: string): Promise<void> {
    for (const other of ['mjs', 'ts']) {
      if (other === ext) continue;
      await rename(path.join(site.root, `isr.config.${other}`), path.join(site.root, `isr.config.${ext}`)).catch(() => {});
    }
  }
});
