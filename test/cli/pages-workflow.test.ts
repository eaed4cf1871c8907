import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, REPO, type TempSite, tempSite } from '../helpers/site.js';

const run = promisify(execFile);
const WORKFLOW = path.join(REPO, 'examples', 'github-pages', 'isr-pages.yml');

/** The shell script of the workflow step that runs isr. */
async function isrStep(): Promise<{ script: string; env: Record<string, string> }> {
  const wf = parse(await readFile(WORKFLOW, 'utf8'));
  const step = wf.jobs.publish.steps.find((s: { id?: string }) => s.id === 'isr');
  return { script: step.run, env: step.env };
}

// The README's GitHub Pages workflow, its isr step run as Actions runs it (bash -eo pipefail), in
// a site that is a git repository: a first run builds, a push regenerates what its commit changed,
// a dispatch renders the paths it names. The Actions (cache, deploy) are GitHub's and not run here.
describe('the GitHub Pages workflow (examples/github-pages/isr-pages.yml)', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  it('builds without state, then regenerates: a push by the tags of the files it changed, a dispatch by its paths', {
    timeout: 120_000,
  }, async () => {
    const { script, env: stepEnv } = await isrStep();
    // Inputs come in through env, never pasted into the script.
    expect(script).not.toContain('${{');
    expect(Object.keys(stepEnv).sort()).toEqual(['BEFORE', 'EVENT', 'PATHS', 'SITE_URL']);

    site = await tempSite('base-path');
    const root = site.root;
    // The config takes its URL from SITE_URL, as the README tells.
    const config = await site.read('isr.config.mjs');
    await site.write(
      'isr.config.mjs',
      config.replace("url: 'https://user.github.io/repo/'", "url: process.env.SITE_URL || 'https://example.com'"),
    );
    await mkdir(path.join(root, 'node_modules', '.bin'), { recursive: true });
    await symlink(BIN, path.join(root, 'node_modules', '.bin', 'isr'));
    await writeFile(path.join(root, '.gitignore'), 'node_modules/\ndist/\n.isr/\nchanges.json\nchanged.txt\noutput.txt\n');
    const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root });
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'first');
    await git('remote', 'add', 'origin', root);
    const sha = async () => (await git('rev-parse', 'HEAD')).stdout.trim();

    const step = async (env: Record<string, string>) => {
      const out = path.join(root, 'output.txt');
      await writeFile(out, '');
      const r = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        cwd: root,
        env: {
          ...process.env,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
          NO_COLOR: '1',
          ISR_NOW: '',
          GITHUB_OUTPUT: out,
          SITE_URL: 'https://user.github.io/repo',
          EVENT: 'schedule',
          PATHS: '',
          BEFORE: '',
          ...env,
        },
      });
      const outputs = Object.fromEntries(
        (await readFile(out, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => l.split('=')),
      );
      return { ...r, outputs, changes: JSON.parse(await readFile(path.join(root, 'changes.json'), 'utf8')) };
    };

    // No state: a full build, published under the base that SITE_URL gives.
    const first = await step({ EVENT: 'push', BEFORE: '0000000000000000000000000000000000000000' });
    expect(first.outputs.status).toBe('0');
    expect(Number(first.outputs.changed)).toBeGreaterThan(0);
    expect(first.changes.rendered).toContain('/blog/often/');
    expect(await site.read('dist/index.html')).toContain('href="/repo/blog/hello/"');

    // A push that edits one post: that post and the listings showing it, not the other post.
    const before = await sha();
    await site.write('content/posts/hello.md', '---\ntitle: Hello, edited\n---\nEdited.\n');
    await git('commit', '-q', '-am', 'edit hello');
    const push = await step({ EVENT: 'push', BEFORE: before });
    expect(push.outputs.status).toBe('0');
    expect(push.changes.rendered.sort()).toEqual(['/', '/blog/hello/', '/feed.xml']);
    expect(await site.read('dist/blog/hello/index.html')).toContain('Hello, edited');

    // A dispatch naming paths. A "*" is a character of a path, never a glob of the files of the
    // runner (`/*` would name /bin, /etc, …): it matches no page, which fails the run (exit 1).
    const dispatch = await step({ EVENT: 'workflow_dispatch', PATHS: '/blog/often/  /* ' });
    expect(dispatch.outputs.status).toBe('1');
    expect(dispatch.changes.rendered).toEqual(['/blog/often/']);
    expect(dispatch.changes.errors.map((e: { path: string }) => e.path)).toEqual(['/*']);

    // A cron tick with nothing due: nothing changed, so nothing to deploy.
    const tick = await step({});
    expect(tick.outputs).toEqual({ status: '0', changed: '0' });
    expect(existsSync(path.join(root, 'dist', 'repo'))).toBe(false);
  });
});
