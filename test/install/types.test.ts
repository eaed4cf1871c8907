import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

const run = promisify(execFile);

// What a user's editor and `tsc` see: a fresh project whose node_modules/static-isr holds exactly
// the files of the published tarball (`npm pack`'s list) and whose other node_modules are isr's
// runtime dependencies, as `npm install static-isr` would leave them: no devDependencies, so no
// @types/markdown-it, no @types/node, and no DOM library. The sample config and its mistakes are
// fixtures/typed-config/. Checked with this repo's TypeScript, strict and skipLibCheck off, so the
// package's own declarations are checked too.
describe('the published type declarations, in a fresh project', () => {
  let project = '';
  let diagnostics: { file: string; line: number; code: string; text: string }[] = [];

  beforeAll(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'isr-types-'));
    await installPackedCopy(path.join(project, 'node_modules'));
    await cp(path.join(REPO, 'fixtures', 'typed-config'), project, { recursive: true });
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'typed-site', private: true, type: 'module' }));
    const compilerOptions = {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      lib: ['ES2022'],
      types: [],
    };
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const out = await run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: project }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    diagnostics = out
      .split('\n')
      .map((l) => /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => ({ file: m[1]!, line: Number(m[2]), code: m[3]!, text: m[4]! }));
    if (!diagnostics.length && out.trim()) throw new Error(`tsc printed something unexpected:\n${out}`);
  }, 120_000);
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("check clean with a sample config: the package's declarations need no @types/node or @types/markdown-it", () => {
    expect(diagnostics.filter((d) => d.file !== 'mistakes.ts')).toEqual([]);
  });

  it("type each source's entries in routes' paths and load: a wrong entry property or source name fails the check", async () => {
    const expected = (await readFile(path.join(project, 'mistakes.ts'), 'utf8'))
      .split('\n')
      .flatMap((l, i) => (/\/\/ error: (TS\d+)/.exec(l) ? [{ line: i + 1, code: /\/\/ error: (TS\d+)/.exec(l)![1] }] : []));
    expect(expected.length).toBeGreaterThan(0);
    const found = diagnostics.filter((d) => d.file === 'mistakes.ts');
    expect(found.map(({ line, code }) => ({ line, code }))).toEqual(expected);
    expect(found[0]!.text).toContain("Property 'titel' does not exist");
  });
});

/** node_modules/static-isr as `npm install` of the tarball gives it, plus isr's runtime dependencies. */
async function installPackedCopy(nodeModules: string): Promise<void> {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  const target = path.join(nodeModules, 'static-isr');
  for (const { path: rel } of pack.files) {
    await mkdir(path.dirname(path.join(target, rel)), { recursive: true });
    await cp(path.join(REPO, rel), path.join(target, rel));
  }
  const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    await mkdir(path.dirname(path.join(nodeModules, dep)), { recursive: true });
    await symlink(path.join(REPO, 'node_modules', dep), path.join(nodeModules, dep), 'dir');
  }
}
