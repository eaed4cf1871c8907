import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

const run = promisify(execFile);

// The README's road for a new user, walked as they would walk it: a fresh clone, `npm install`,
// `npx isr init my-site`, `npm install` in the new site, `npm run build`. The clone is the working
// tree's files as git would hand them over (tracked and not-ignored files, no node_modules, no
// dist/), so uncommitted work is what is tested. npm may fetch isr's own dependencies (the
// registry is reachable here); isr itself must come from the clone, never from the registry.
describe('the install road from a fresh clone', () => {
  let work = '';
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('clone → npm install → isr init → npm install → npm run build gives a built site using this isr', { timeout: 300_000 }, async () => {
    work = await mkdtemp(path.join(tmpdir(), 'isr-road-'));
    const clone = path.join(work, 'isr');
    await copyWorkingTree(REPO, clone);
    // The node running this suite (CI runs it on several majors) is the one npm and isr run on.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
      NO_COLOR: '1',
    };
    delete env.ISR_NOW;
    const sh = (cmd: string, cwd: string) => run('sh', ['-c', cmd], { cwd, env, maxBuffer: 16 * 1024 * 1024 });

    await sh('npm install --no-audit --no-fund --prefer-offline', clone);
    const init = await sh('npx isr init my-site', clone);
    expect(init.stdout).toContain('Created a starter site in my-site');

    const site = path.join(clone, 'my-site');
    const pkg = JSON.parse(await readFile(path.join(site, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-site');
    expect(pkg.dependencies['static-isr']).toBe(`file:${clone}`);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['dev', 'build', 'regen']));

    await sh('npm install --no-audit --no-fund --prefer-offline', site);
    // isr came from the clone (a link to it), not from the registry.
    expect(realpathSync(path.join(site, 'node_modules', 'static-isr'))).toBe(realpathSync(clone));

    const build = await sh('npm run build', site);
    expect(build.stderr).toMatch(/built \d+ pages/);
    // The starter's stylesheet (public/) is copied, and its pages link it with a content hash.
    expect(await readFile(path.join(site, 'dist', 'index.html'), 'utf8')).toMatch(/href="\/style\.css\?v=[A-Za-z0-9_-]{16}"/);
    for (const f of ['index.html', 'feed.xml', 'sitemap.xml', '404.html', 'blog/hello-world/index.html', 'style.css']) {
      expect(existsSync(path.join(site, 'dist', f)), f).toBe(true);
    }
    expect(existsSync(path.join(site, '.isr', 'manifest.json'))).toBe(true);
  });
});

/** Copy what `git clone` of the working tree would hold: tracked and untracked-but-not-ignored files. */
async function copyWorkingTree(from: string, to: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const rel of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(path.join(from, rel))) continue; // deleted in the working tree, not yet committed
    await mkdir(path.dirname(path.join(to, rel)), { recursive: true });
    await cp(path.join(from, rel), path.join(to, rel));
  }
}
