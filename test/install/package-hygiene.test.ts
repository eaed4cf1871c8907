import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/site.js';

const run = promisify(execFile);
const readJson = async (rel: string) => JSON.parse(await readFile(path.join(REPO, rel), 'utf8'));

// What a user's `npm install static-isr` fetches must be what isr loads: a dependency never
// loaded is a download and an `npm audit` finding for nothing, and a package built into dist/
// but also listed as a dependency makes `npm audit` read a copy isr does not run.
describe('the package declares what it loads', () => {
  it('lists as dependencies exactly the packages dist/ loads from node_modules', async () => {
    const pkg = await readJson('package.json');
    const cjs = await readFile(path.join(REPO, 'dist', 'isr.cjs'), 'utf8');
    // esbuild writes `require("x")` for static imports; lazy ones go through `importModule("x")`
    // (src/import-module.ts); a createRequire'd require is named require2, require3…
    const loaded = new Set(
      [...cjs.matchAll(/\b(?:require\d*|import|importModule\d*)\("([^".][^"]*)"\)/g)]
        .map((m) => m[1]!)
        .filter((s) => !s.startsWith('node:')),
    );
    expect([...loaded].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it('keeps the packages built into dist/ as devDependencies, named with their versions in the README and `isr --version --verbose`', async () => {
    const pkg = await readJson('package.json');
    const bundled: Record<string, string> = await readJson('dist/bundled.json');
    expect(Object.keys(bundled).sort()).toEqual([
      'commander',
      'eta',
      'kleur',
      'markdown-it',
      'markdown-it-anchor',
      'markdown-it-deflist',
      'markdown-it-footnote',
      'smol-toml',
    ]);
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const cli = await runCli(['--version', '--verbose']);
    expect(cli.code).toBe(0);
    for (const [name, version] of Object.entries(bundled)) {
      expect(pkg.dependencies[name], name).toBeUndefined();
      expect(pkg.devDependencies[name], name).toBeDefined();
      expect((await readJson(`node_modules/${name}/package.json`)).version).toBe(version);
      expect(readme, `README names ${name}'s major`).toMatch(new RegExp(`\\| ${name} \\| ${version.split('.')[0]} \\|`));
      expect(cli.stdout).toContain(`${name} ${version}`);
    }
    expect(cli.stdout.split('\n')[0]).toBe(`static-isr ${pkg.version}`);
  });

  it('publishes no source map and no dist/side build, but the built-in versions and markdown-it', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
    const files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('dist/side/'))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/isr.cjs',
        'dist/start.cjs',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/bundled.json',
        'dist/vendor/markdown-it.cjs',
        'dist/vendor/smol-toml.cjs',
        'dist/vendor/markdown-it-plugins.cjs',
      ]),
    );
  });
});
