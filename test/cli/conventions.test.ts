import { spawn } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvFiles } from '../../src/config/load-config.js';
import { colourWanted } from '../../src/logger.js';
import { listFiles } from '../helpers/files.js';
import { BIN, type TempSite, tempSite } from '../helpers/site.js';
import { request } from '../serve/helpers.js';

const ANSI = /\x1b\[\d+m/;

describe('conventions users bring', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  describe('.env and .env.local', () => {
    it('loads .env, then .env.local over it, and never over a variable the environment already has', async () => {
      site = await tempSite('blog');
      await site.write('.env', 'A=from-env\nB=from-env\nC=from-env\n# a comment\nQUOTED="two words"\n');
      await site.write('.env.local', 'B=from-local\n');
      const env: NodeJS.ProcessEnv = { C: 'from-shell' };
      loadEnvFiles(site.root, env);
      expect(env).toEqual({ A: 'from-env', B: 'from-local', C: 'from-shell', QUOTED: 'two words' });
    });

    it("are read before the config, so the config's process.env sees them (isr build)", async () => {
      site = await tempSite('blog');
      const config = await site.read('isr.config.mjs');
      await site.write('isr.config.mjs', config.replace(/title: '[^']*'/, 'title: process.env.SITE_TITLE'));
      await site.write('.env', 'SITE_TITLE=Title From Dotenv\n');
      const r = await site.run(['build']);
      expect(r.code, r.stderr).toBe(0);
      expect(await site.read('dist/index.html')).toContain('Title From Dotenv');
    });

    it('turn the revalidation webhook on with ISR_REVALIDATE_SECRET from .env (isr serve)', async () => {
      site = await tempSite('blog');
      expect((await site.run(['build'])).code).toBe(0);
      await site.write('.env', 'ISR_REVALIDATE_SECRET=dotenv-secret\n');
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
      delete env.ISR_REVALIDATE_SECRET;
      delete env.ISR_NOW;
      const child = spawn(process.execPath, [BIN, 'serve', site.root, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout!.on('data', (d) => {
            out += d;
            const m = /at (http:\/\/\S+)/.exec(out);
            if (m) resolve(m[1]!);
          });
          child.on('exit', (code) => reject(new Error(`isr serve exited with ${code}`)));
        });
        const wrong = await request(url, '/__isr/revalidate', {
          method: 'POST',
          headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
          body: '{"paths":["/"]}',
        });
        expect(wrong.status).toBe(401);
        const right = await request(url, '/__isr/revalidate', {
          method: 'POST',
          headers: { authorization: 'Bearer dotenv-secret', 'content-type': 'application/json' },
          body: '{"paths":["/"]}',
        });
        expect(right.status).toBe(200);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  describe('colour', () => {
    it('follows FORCE_COLOR first, then NO_COLOR, then whether the output is a terminal', () => {
      expect(colourWanted(false, {})).toBe(false);
      expect(colourWanted(true, {})).toBe(true);
      expect(colourWanted(true, { TERM: 'dumb' })).toBe(false);
      expect(colourWanted(true, { NO_COLOR: '1' })).toBe(false);
      expect(colourWanted(true, { NO_COLOR: '' })).toBe(true); // no-color.org: set and non-empty
      expect(colourWanted(false, { FORCE_COLOR: '1' })).toBe(true);
      expect(colourWanted(false, { FORCE_COLOR: '' })).toBe(true);
      expect(colourWanted(true, { FORCE_COLOR: '0' })).toBe(false);
      expect(colourWanted(true, { FORCE_COLOR: 'false' })).toBe(false);
      expect(colourWanted(false, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    });

    it('colours a piped CI log with FORCE_COLOR=1 and not without it', async () => {
      site = await tempSite('blog');
      await site.write('templates/post.eta', '<%= it.missing.deep %>'); // a page error: a red "error" line
      const plain = await site.run(['build']);
      expect(plain.stderr).toMatch(/error/);
      expect(plain.stderr).not.toMatch(ANSI);
      const forced = await site.run(['build', '--debug'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
      expect(forced.stderr).toMatch(ANSI);
    });
  });

  describe('config files', () => {
    it('takes --config <file> from anywhere, relative to the current folder', async () => {
      site = await tempSite('blog');
      await rename(path.join(site.root, 'isr.config.mjs'), path.join(site.root, 'site.config.mjs'));
      const none = await site.run(['build', site.root]);
      expect(none.code).toBe(3);
      expect(none.stderr).toMatch(/no isr\.config\.ts\/\.mts\/\.cts\/\.js\/\.mjs\/\.cjs in .*--config <file>/);
      const r = await site.run(['build', site.root, '--config', path.join(site.root, 'site.config.mjs')]);
      expect(r.code, r.stderr).toBe(0);
      expect(await site.read('dist/index.html')).toContain('<html');
      const missing = await site.run(['build', site.root, '--config', 'nope.mjs']);
      expect(missing.stderr).toBe(
        'isr: --config nope.mjs: no such file (pass the path of an isr.config.* file, relative to the current folder) [CONFIG_NOT_FOUND]\n',
      );
      expect(missing.code).toBe(3);
    });

    it('loads an isr.config.cjs that require()s static-isr', async () => {
      site = await tempSite('blog');
      const mjs = await site.read('isr.config.mjs');
      const cjs = mjs
        .replace(/import \{([^}]*)\} from 'static-isr';/, "const {$1} = require('static-isr');")
        .replace('export default ', 'module.exports = ');
      expect(cjs).toContain("require('static-isr')");
      await writeFile(path.join(site.root, 'isr.config.cjs'), cjs);
      await rename(path.join(site.root, 'isr.config.mjs'), path.join(site.root, 'isr.config.mjs.off'));
      const r = await site.run(['build']);
      expect(r.code, r.stderr).toBe(0);
      expect(await site.read('dist/index.html')).toContain('<html');
    });

    it('loads an isr.config.cts through the TypeScript loader', async () => {
      site = await tempSite('blog');
      const mjs = await site.read('isr.config.mjs');
      const cts = mjs
        .replace(/import \{([^}]*)\} from 'static-isr';/, "import {$1} from 'static-isr';\nconst typed: string = 'x';")
        .replace('export default ', 'export default ');
      await writeFile(path.join(site.root, 'isr.config.cts'), cts);
      await rename(path.join(site.root, 'isr.config.mjs'), path.join(site.root, 'isr.config.mjs.off'));
      const r = await site.run(['build']);
      expect(r.code, r.stderr).toBe(0);
    });
  });

  it('isr dev builds a site never built, then serves it with watch mode', async () => {
    site = await tempSite('blog');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.ISR_NOW;
    const child = spawn(process.execPath, [BIN, 'dev', site.root, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /at (http:\/\/\S+) \(watching for changes\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`isr dev exited with ${code}: ${err}`)));
      });
      expect(err).toMatch(/no build yet: building first\nbuilt \d+ pages/);
      const home = await request(url, '/');
      expect(home.status).toBe(200);
      expect(home.body.toString()).toContain('<html');
    } finally {
      child.kill('SIGKILL');
    }
  });

  describe('habits from other frameworks', () => {
    const withPostPath = async (p: string) => {
      site = await tempSite('blog');
      const config = await site.read('isr.config.mjs');
      await site.write(
        'isr.config.mjs',
        config.replace("path: '/blog/:slug/'", `path: '${p}'`).replace('params.slug', 'params.slug ?? params.id'),
      );
      return site.run(['build']);
    };

    it('refuses /news/[id]/ and /news/{id}/ (taken literally before) with the :name spelling', async () => {
      for (const p of ['/blog/[slug]/', '/blog/{slug}/']) {
        const r = await withPostPath(p);
        expect(r.code, p).toBe(3);
        expect(r.stderr).toBe(
          `isr: isr.config.mjs: routes[1].path: expected a valid URL pattern (names a param in [brackets] or {braces}, which would be taken literally), found string "${p}" (did you mean "/blog/:slug/"?) [CONFIG_INVALID]\n`,
        );
        expect(await listFiles(site!.root)).not.toContain('dist/index.html');
        await site!.cleanup();
        site = undefined;
      }
    });

    // Issue 21: isr has a rest param now, and the refusal names it (it said "one route per depth").
    it('refuses a catch-all /docs/[...slug]/ with the rest param it means', async () => {
      const r = await withPostPath('/blog/[...slug]/');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /catch-all in another framework's syntax, which isr would take literally\), found .* \(did you mean "\/blog\/:slug\*\/"\?/,
      );
    });

    it('refuses a load() result with an unknown key, naming it with a did-you-mean', async () => {
      site = await tempSite('blog');
      const config = await site.read('isr.config.mjs');
      await site.write('isr.config.mjs', config.replace('return { props: { post }, tags:', 'return { prop: { post }, tags:'));
      const r = await site.run(['build']);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(
        /^isr: route "post": load\(\) for \/blog\/[a-z-]+\/ returned an unknown key "prop" \(known: props, notFound, redirect, revalidate, tags\) \(did you mean "props"\?\) \[BAD_LOAD_RESULT\]\n$/,
      );
      expect(await listFiles(site.root)).not.toContain('dist/index.html');
    });
  });

  it('prints examples and the environment variables in --help', async () => {
    site = await tempSite('blog');
    const r = await site.run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}isr init my-site/);
    expect(r.stdout).toMatch(/Environment:[\s\S]*ISR_NOW[\s\S]*FORCE_COLOR/);
    expect(r.stdout).toMatch(/\n {2}dev \[options\] \[root\]/);
  });
});
