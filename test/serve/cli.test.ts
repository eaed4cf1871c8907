import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, type TempSite, tempSite } from '../helpers/site.js';
import { request, T0, until } from './helpers.js';

interface CliServer {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** `isr serve` as a subprocess; resolves once it printed its URL. */
function startCli(site: TempSite, args: string[], env: Record<string, string> = {}): Promise<CliServer> {
  const child = spawn(process.execPath, [BIN, 'serve', site.root, '--port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', ISR_NOW: '', ISR_REVALIDATE_SECRET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /isr serve: .* at (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ child, url: m[1]!, out: () => out, err: () => err, exited });
      }
    };
    child.stdout!.on('data', onData);
    exited.then((code) => reject(new Error(`isr serve exited with ${code}: ${err}`)));
  });
}

/** The pids of a process's children (Linux /proc): the workers of `isr serve --workers`. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('isr serve (CLI)', () => {
  let site: TempSite | undefined;
  let server: CliServer | undefined;
  /** Worker processes of `--workers` tests, killed if a test left them. */
  let pids: number[] = [];
  afterEach(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    server = undefined;
    pids = [];
    await site?.cleanup();
  });

  async function built(): Promise<TempSite> {
    site = await tempSite('serve-site');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    await site.write('renders.log', '');
    return site;
  }

  it('binds 127.0.0.1 on a free port with --port 0, prints the URL and logs each request with --log', async () => {
    const s = await built();
    server = await startCli(s, ['--log'], { ISR_NOW: String(T0 + 1000) });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await request(server.url, '/items/alpha/')).headers['x-isr-cache']).toBe('HIT');
    expect((await request(server.url, '/nope')).status).toBe(404);
    expect((await request(server.url, '/__isr/revalidate?secret=config-secret', { method: 'POST', body: '{' })).status).toBe(400);
    await until(async () => server!.out().includes('POST'), 'the access log lines');
    expect(server.out()).toMatch(/^GET \/items\/alpha\/ 200 HIT \d+\.\dms$/m);
    expect(server.out()).toMatch(/^GET \/nope 404 - \d+\.\dms$/m);
    expect(server.out()).toContain('POST /__isr/revalidate?secret=*** 400');
    expect(server.out()).not.toContain('config-secret');
  });

  it('moves time through ISR_NOW_FILE, re-read per request', async () => {
    const s = await built();
    const nowFile = path.join(s.root, 'now.txt');
    await writeFile(nowFile, new Date(T0 + 1000).toISOString());
    server = await startCli(s, [], { ISR_NOW_FILE: nowFile });
    expect((await request(server.url, '/items/alpha/')).headers['x-isr-cache']).toBe('HIT');
    await writeFile(nowFile, String(T0 + 120_000));
    expect((await request(server.url, '/items/alpha/')).headers['x-isr-cache']).toBe('STALE');
    await until(async () => (await request(server!.url, '/items/alpha/')).headers['x-isr-cache'] === 'HIT', 'the regenerated page');
    expect((await s.manifest()).pages['/items/alpha/'].builtAt).toBe(T0 + 120_000);
  });

  it('on SIGTERM lets a running regeneration finish its writes, then exits 0', async () => {
    const s = await built();
    // The load() is held by a gate file until the server has taken the signal, so the signal
    // surely comes while the regeneration runs (a slow load was a guess at how long is enough).
    await s.write('beta.gate', '');
    await s.write('content/items/beta.json', JSON.stringify({ title: 'Beta after shutdown', gate: 'beta.gate' }));
    server = await startCli(s, [], { ISR_NOW: String(T0 + 3_600_000) });
    expect((await request(server.url, '/items/beta/')).headers['x-isr-cache']).toBe('STALE');
    // The regeneration is under way once its load() has logged itself.
    await until(async () => (await s.read('renders.log')).includes('/items/beta/'), 'the regeneration to start');
    server.child.kill('SIGTERM');
    await until(async () => server!.err().includes('SIGTERM: shutting down'), 'the server to take the signal');
    await rm(path.join(s.root, 'beta.gate'));
    expect(await server.exited).toBe(0);
    expect(await s.read('dist/items/beta/index.html')).toContain('Beta after shutdown');
    expect((await s.manifest()).pages['/items/beta/'].builtAt).toBe(T0 + 3_600_000);
    const leftovers = (await readdir(path.join(s.root, 'dist'), { recursive: true })).filter((f) => String(f).endsWith('.isr-tmp'));
    expect(leftovers).toEqual([]);
    expect(await readdir(path.join(s.root, '.isr'))).not.toContain('lock');
    expect(server.err()).toContain('SIGTERM');
  });

  it('binds the --host given, and stops on SIGINT with status 0', async () => {
    const s = await built();
    server = await startCli(s, ['--host', '127.0.0.2'], { ISR_NOW: String(T0 + 1000) });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
    expect((await request(server.url, '/')).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.err()).toContain('SIGINT');
  });

  it('fails with a clear message when the port is taken', async () => {
    const s = await built();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await s.run(['serve', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('fails with a clear message when nothing was built', async () => {
    site = await tempSite('serve-site');
    const r = await site.run(['serve', '--port', '0']);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/run `isr build` first/);
  });

  it('--watch reloads an edited config, and keeps the last one when an edit breaks it', async () => {
    const s = await built();
    server = await startCli(s, ['--watch'], { ISR_NOW: String(T0 + 1000) });
    expect(server.out()).toContain('(watching for changes)');
    const cfg = await s.read('isr.config.mjs');
    await s.write('isr.config.mjs', cfg.replace("title: 'Serve fixture'", "title: 'Renamed site'"));
    await until(async () => (await request(server!.url, '/fixed/one/')).text.includes('Renamed site'), 'a page with the new title');
    expect(await readFile(path.join(s.root, 'dist/fixed/one/index.html'), 'utf8')).toContain('Renamed site');

    await s.write('isr.config.mjs', 'export default {{ broken');
    await until(async () => server!.err().includes('config not reloaded'), 'the config error');
    const still = await request(server.url, '/fixed/one/');
    expect(still.status).toBe(200);
    expect(still.text).toContain('Renamed site');
  });

  describe('--workers', () => {
    // Round-robin hand-off, so consecutive connections go to alternate workers (the default lets
    // the kernel pick, which is faster but not predictable enough to assert on).
    const rr = { NODE_CLUSTER_SCHED_POLICY: 'rr', ISR_NOW: String(T0 + 1000) };
    const lastLines = (out: string, n: number) =>
      out
        .trim()
        .split('\n')
        .filter((l) => /^w\d GET /.test(l))
        .slice(-n);

    it('answers on one port from every worker, and a page revalidated through one is served new by all', async () => {
      const s = await built();
      server = await startCli(s, ['--workers', '2', '--log'], rr);
      pids = await childrenOf(server.child.pid!);
      expect(pids).toHaveLength(2);
      expect(server.out().match(/isr serve:/g)).toHaveLength(1);
      expect(server.out()).toMatch(/isr serve: \S*dist at http:\/\/127\.0\.0\.1:\d+\/ \(2 workers\)/);

      for (let i = 0; i < 4; i++) expect((await request(server.url, '/items/alpha/')).headers['x-isr-cache']).toBe('HIT');
      await until(async () => lastLines(server!.out(), 4).length === 4, 'the access log lines');
      expect(new Set(lastLines(server.out(), 4).map((l) => l.slice(0, 2)))).toEqual(new Set(['w1', 'w2']));

      await s.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha revalidated', tags: ['green'] }));
      const hook = await request(server.url, '/__isr/revalidate', {
        method: 'POST',
        headers: { authorization: 'Bearer config-secret' },
        body: JSON.stringify({ path: '/items/alpha/' }),
      });
      expect(hook.status).toBe(200);
      // The worker that did not run it notices the manifest another process wrote (a file watch).
      await until(async () => {
        for (let i = 0; i < 4; i++) if (!(await request(server!.url, '/items/alpha/')).text.includes('Alpha revalidated')) return false;
        return true;
      }, 'every worker serving the new page');
      const n = server.out().split('\n').length;
      for (let i = 0; i < 4; i++) expect((await request(server.url, '/items/alpha/')).text).toContain('Alpha revalidated');
      await until(async () => server!.out().split('\n').length >= n + 4, 'the access log lines');
      expect(new Set(lastLines(server.out(), 4).map((l) => l.slice(0, 2)))).toEqual(new Set(['w1', 'w2']));
      // Rendered once, by the worker that took the webhook.
      expect((await s.read('renders.log')).split('\n').filter((l) => l === '/items/alpha/')).toHaveLength(1);
    });

    it('stops every worker on SIGTERM to the primary, which exits 0', async () => {
      const s = await built();
      server = await startCli(s, ['--workers', '2'], rr);
      pids = await childrenOf(server.child.pid!);
      expect(pids).toHaveLength(2);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await until(async () => pids.every((pid) => !alive(pid)), 'the workers to exit');
      expect(server.err()).toContain('SIGTERM: shutting down 2 worker(s)');
      expect(await readdir(path.join(s.root, '.isr'))).not.toContain('lock');
    });

    it('stops the others and exits 1 when a worker dies', async () => {
      const s = await built();
      server = await startCli(s, ['--workers', '2'], rr);
      pids = await childrenOf(server.child.pid!);
      process.kill(pids[0]!, 'SIGKILL');
      expect(await server.exited).toBe(1);
      await until(async () => pids.every((pid) => !alive(pid)), 'the other worker to exit');
      expect(server.err()).toMatch(/worker \d exited \(SIGKILL\): stopping the others/);
    });

    it('reports a failure at start once, with its exit status', async () => {
      const s = await built();
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const r = await s.run(['serve', '--port', String(port), '--workers', '3']);
        expect(r.code).toBe(2);
        expect(r.stderr.match(/already in use/g)).toHaveLength(1);
        expect(r.stdout).not.toContain('isr serve:');
      } finally {
        blocker.close();
      }
    });

    it('refuses --watch with --workers, and a --workers that is not a whole number', async () => {
      const s = await built();
      const watch = await s.run(['serve', '--port', '0', '--workers', '2', '--watch']);
      expect(watch.code).toBe(2);
      expect(watch.stderr).toContain('--watch and --workers cannot be used together');
      const bad = await s.run(['serve', '--port', '0', '--workers', '0']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--workers expects a whole number >= 1');
    });
  });
});
