import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, siteFrom, type TempSite } from '../helpers/site.js';

// Issue 16 item 13: locks left by CI. A cancelled run releases its lock (SIGINT, SIGTERM); a lock
// of a dead run on another host goes once its lease expired; a run that lost its lock meanwhile
// publishes nothing.
const CONFIG = `import { readFileSync, writeFileSync } from 'node:fs';
const here = (f) => new URL(f, import.meta.url);
export default {
  revalidate: 60,
  concurrency: 1,
  routes: [
    { path: '/:slug/', name: 'page', template: 'page.eta', paths: () => [{ slug: 'a' }, { slug: 'b' }],
      load: async ({ params }) => {
        const v = readFileSync(here('./version.txt'), 'utf8').trim();
        // The gate: the test's server answers only when the test says so (never, for a signal).
        if (params.slug === 'b' && process.env.GATE) await fetch(process.env.GATE);
        // Another host taking the lock over while this run works.
        if (params.slug === 'b' && process.env.STEAL) writeFileSync(here('./.isr/lock/owner.json'), JSON.stringify({ pid: 1, host: 'ci-other', token: 'stolen', startedAt: Date.now(), command: 'isr regen', expiresAt: Date.now() + 60000 }));
        return { props: { v } };
      } },
  ],
};
`;

let site: TempSite | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
  await site?.cleanup();
  site = undefined;
});

const makeSite = () =>
  siteFrom('lock-signals', { 'isr.config.mjs': CONFIG, 'templates/page.eta': '<p><%= it.v %></p>\n', 'version.txt': 'one' });

/** A server whose every request resolves `reached` and is never answered. */
async function gate(): Promise<{ url: string; reached: Promise<void> }> {
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  server = createServer(() => reach());
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, reached };
}

/** Temp files in the output folder and the state folder. */
function tempFiles(root: string): string[] {
  return ['dist', '.isr']
    .filter((d) => existsSync(path.join(root, d)))
    .flatMap((d) => readdirSync(path.join(root, d), { recursive: true }).map((f) => path.join(d, String(f))))
    .filter((f) => f.includes('.isr-tmp'));
}

async function interrupted(s: TempSite, args: string[], signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string }> {
  const g = await gate();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: s.root,
    env: { ...process.env, NO_COLOR: '1', ISR_NOW: '2026-01-01T00:10:00Z', GATE: g.url },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await g.reached; // page a is staged, page b waits: the run holds the lock and temp files
  expect(existsSync(path.join(s.root, '.isr/lock'))).toBe(true);
  child.kill(signal);
  return { code: await exited, stderr };
}

describe('a run stopped by a signal', () => {
  it('SIGTERM: deletes its temp files, releases the lock and exits 143; the next run goes on without waiting', async () => {
    site = await makeSite();
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    await site.write('version.txt', 'two');
    const r = await interrupted(site, ['regen', '--all'], 'SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('terminated');
    expect(existsSync(path.join(site.root, '.isr/lock'))).toBe(false);
    expect(tempFiles(site.root)).toEqual([]);
    expect(await site.read('dist/a/index.html')).toBe('<p>one</p>\n');
    const next = await site.run(['regen', '--all', '--json'], { now: '2026-01-01T00:11:00Z' });
    expect(next.code).toBe(0);
    expect(await site.read('dist/a/index.html')).toBe('<p>two</p>\n');
  });

  it('SIGINT during a first build: no output folder, no temp files, no lock, exit 130', async () => {
    site = await makeSite();
    const r = await interrupted(site, ['build'], 'SIGINT');
    expect(r.code).toBe(130);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
    expect(existsSync(path.join(site.root, '.isr/lock'))).toBe(false);
    expect(tempFiles(site.root)).toEqual([]);
  });
});

describe('a lock left by a run on another host', () => {
  const plant = (s: TempSite, expiresAt: number) =>
    s.write(
      '.isr/lock/owner.json',
      JSON.stringify({
        pid: 999999,
        host: 'ci-runner-gone',
        token: 'gone',
        startedAt: Date.now() - 120_000,
        command: 'isr regen',
        expiresAt,
      }),
    );

  it('blocks later runs only while its lease runs', async () => {
    site = await makeSite();
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    await plant(site, Date.now() + 3600_000);
    const blocked = await site.run(['regen', '--all'], { now: '2026-01-01T00:10:00Z' });
    expect(blocked.code).toBe(75);
    expect(blocked.stderr).toContain('ci-runner-gone');

    // Cancelled a minute ago: its lease has expired.
    await plant(site, Date.now() - 1000);
    const r = await site.run(['regen', '--all'], { now: '2026-01-01T00:10:00Z' });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(site.root, '.isr/lock'))).toBe(false);
  });
});

describe('a run whose lock another run took over meanwhile', () => {
  it('publishes nothing and exits 75 with one line', async () => {
    site = await makeSite();
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    const manifest = await site.read('.isr/manifest.json');
    await site.write('version.txt', 'two');
    const r = await site.run(['regen', '--all'], { now: '2026-01-01T00:10:00Z', env: { STEAL: '1' } });
    expect(r.code).toBe(75);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('lost the site lock');
    expect(await site.read('dist/a/index.html')).toBe('<p>one</p>\n');
    expect(await site.read('.isr/manifest.json')).toBe(manifest);
    expect(tempFiles(site.root)).toEqual([]);
    // The other run's lock is left to it.
    expect(JSON.parse(await site.read('.isr/lock/owner.json')).token).toBe('stolen');
  });
});
