import { describe, expect, it } from 'vitest';
import { emptyManifest } from '../../src/manifest/manifest.js';
import type { RunResult } from '../../src/run/run-site.js';
import { changedFiles } from '../../src/serve/changed-files.js';
import { negotiate } from '../../src/serve/compress.js';
import { injectLiveScript } from '../../src/serve/live-reload.js';
import { type CachedFile, MemoryCache } from '../../src/serve/memory-cache.js';
import { type RegenJob, RegenQueue } from '../../src/serve/regen-queue.js';
import { parseRange } from '../../src/serve/send-file.js';
import { contentTypeOf, parseUrlPath } from '../../src/serve/static-files.js';

describe('parseUrlPath', () => {
  it('decodes each segment into the manifest key form', () => {
    expect(parseUrlPath('/')).toEqual({ ok: true, path: '/', segments: [''] });
    expect(parseUrlPath('/blog/h%C3%A9llo/')).toMatchObject({ ok: true, path: '/blog/héllo/' });
    expect(parseUrlPath('/a%20b.txt')).toMatchObject({ ok: true, path: '/a b.txt' });
    expect(parseUrlPath('/.well-known/security.txt')).toMatchObject({ ok: true });
  });

  it.each([
    ['/../x', 400],
    ['/a/%2e%2e/x', 400],
    ['/a/%2E/x', 400],
    ['/a%2fb', 400],
    ['/a%5cb', 400],
    ['/a\\b', 400],
    ['/a%00b', 400],
    ['/a%0ab', 400],
    ['/%zz', 400],
    ['//x', 400],
    ['relative', 400],
    [`/${'x'.repeat(3000)}`, 400],
    ['/.git/config', 404],
    ['/dir/.env', 404],
    ['/x.html.1.ab.isr-tmp', 404],
    ['/_redirects', 404],
  ])('refuses %s with %i', (p, status) => {
    expect(parseUrlPath(p)).toMatchObject({ ok: false, status });
  });
});

describe('parseRange', () => {
  it('reads one bytes range and clamps it', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-', 100)).toEqual({ start: 50, end: 99 });
  });
  it('says unsatisfiable past the end, and ignores what it does not support', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(parseRange('bytes=9-2', 100)).toBeUndefined();
  });
});

describe('negotiate', () => {
  it.each([
    [undefined, undefined],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['*;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['GZIP', 'gzip'],
  ])('%s → %s', (header, enc) => {
    expect(negotiate(header)).toBe(enc);
  });
});

describe('contentTypeOf', () => {
  it('maps extensions and falls back to bytes', () => {
    expect(contentTypeOf('a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('feed.XML')).toBe('application/xml; charset=utf-8');
    expect(contentTypeOf('a.woff2')).toBe('font/woff2');
    expect(contentTypeOf('v1.2/README')).toBe('application/octet-stream');
  });
});

describe('MemoryCache', () => {
  const file = (rel: string, size: number): CachedFile => ({
    rel,
    body: Buffer.alloc(size),
    etag: '"x"',
    type: 'text/plain',
    compressible: true,
    ino: 1,
    size,
    mtimeMs: 1,
    checkedAt: 0,
  });
  it('evicts the least recently used files past its byte budget', () => {
    const c = new MemoryCache(250, 1000);
    c.set(file('a', 100));
    c.set(file('b', 100));
    c.get('a'); // b is now the least recently used
    c.set(file('c', 100));
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    expect(c.bytes).toBe(200);
  });
  it('counts compressed variants against the budget', () => {
    const c = new MemoryCache(250, 1000);
    const a = file('a', 100);
    c.set(a);
    c.set(file('b', 100));
    c.get('a'); // a request for it started the compression
    a.br = Buffer.alloc(80);
    c.grew(a, 80);
    expect(c.get('b')).toBeUndefined(); // evicted to make room
    c.delete('a');
    expect(c.bytes).toBe(0);
  });
});

describe('RegenQueue', () => {
  function fakeRuns() {
    const jobs: RegenJob[] = [];
    const gates: Array<() => void> = [];
    const run = (job: RegenJob) => {
      jobs.push(job);
      return new Promise<RunResult>((resolve) => gates.push(() => resolve(result(job))));
    };
    return { jobs, gates, queue: new RegenQueue(run) };
  }
  const result = (job: RegenJob): RunResult =>
    ({
      rendered: job.paths,
      written: [],
      unchanged: [],
      removed: [],
      failed: [],
      listingErrors: [],
      plan: { render: [], remove: [], errors: [], unmatchedTags: [], unknownRoutes: [] },
      manifest: emptyManifest(),
      changes: { pages: job.paths, removedPages: [], shards: [] },
      durationMs: 1,
    }) as RunResult;
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('runs one job at a time and merges everything asked meanwhile into the next', async () => {
    const { jobs, gates, queue } = fakeRuns();
    const a = queue.request({ paths: ['/a/'] });
    await tick();
    const b = queue.request({ paths: ['/b/'] });
    const c = queue.request({ paths: ['/c/'], tags: ['t'] });
    await tick();
    expect(jobs).toEqual([{ paths: ['/a/'], due: [], tags: [], full: false }]);
    gates[0]!();
    expect((await a).rendered).toEqual(['/a/']);
    await tick();
    expect(jobs[1]).toEqual({ paths: ['/b/', '/c/'], due: [], tags: ['t'], full: false });
    gates[1]!();
    expect((await b).rendered).toEqual(['/b/', '/c/']);
    await c;
    await queue.idle();
  });

  it('keeps paths asked for only if due apart, and lets a request for the same path outright win', async () => {
    const { jobs, gates, queue } = fakeRuns();
    const first = queue.request({ due: ['/a/'] });
    expect(queue.has('/a/')).toBe(true);
    await tick();
    expect(jobs).toEqual([{ paths: [], due: ['/a/'], tags: [], full: false }]);
    // Running with /a/ only if due: another "if due" joins it, an outright request does not
    // (the run may pass /a/ over), and wins over "if due" in the next run.
    const joined = queue.request({ due: ['/a/'] });
    const outright = queue.request({ paths: ['/a/'] });
    const later = queue.request({ due: ['/a/', '/b/'] });
    gates[0]!();
    await Promise.all([first, joined]);
    await tick();
    expect(jobs[1]).toEqual({ paths: ['/a/'], due: ['/b/'], tags: [], full: false });
    gates[1]!();
    await Promise.all([outright, later]);
    expect(jobs).toHaveLength(2);
  });

  it('lets a request for a path being regenerated join that run (single flight)', async () => {
    const { jobs, gates, queue } = fakeRuns();
    const first = queue.request({ paths: ['/a/'] });
    await tick();
    const joined = Array.from({ length: 10 }, () => queue.request({ paths: ['/a/'] }));
    expect(queue.has('/a/')).toBe(true);
    gates[0]!();
    await Promise.all([first, ...joined]);
    await queue.idle();
    expect(jobs).toHaveLength(1);
  });

  it('does not let a watcher request join a run that started before its change', async () => {
    const { jobs, gates, queue } = fakeRuns();
    void queue.request({ tags: ['t'] });
    await tick();
    const later = queue.request({ tags: ['t'], full: true, join: false });
    gates[0]!();
    await tick();
    expect(jobs).toHaveLength(2);
    expect(jobs[1]).toMatchObject({ tags: ['t'], full: true });
    gates[1]!();
    await later;
  });

  it('rejects the waiters of a run that throws, and runs the next one', async () => {
    const jobs: RegenJob[] = [];
    const queue = new RegenQueue(async (job) => {
      jobs.push(job);
      if (job.paths.includes('/bad/')) throw new Error('locked');
      return result(job);
    });
    await expect(queue.request({ paths: ['/bad/'] })).rejects.toThrow('locked');
    expect((await queue.request({ paths: ['/ok/'] })).rendered).toEqual(['/ok/']);
  });

  it('on close, drops the queued run and waits for the running one', async () => {
    const { gates, queue } = fakeRuns();
    const running = queue.request({ paths: ['/a/'] });
    await tick();
    const queued = queue.request({ paths: ['/b/'] }).catch((e: Error) => e);
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false);
    expect(String(await queued)).toMatch(/shutting down/);
    gates[0]!();
    await running;
    await closing;
    await expect(queue.request({ paths: ['/c/'] })).rejects.toThrow(/shutting down/);
  });
});

describe('changedFiles', () => {
  it('lists the files of pages whose output, file or status changed', () => {
    const a = emptyManifest();
    const b = emptyManifest();
    const base = { route: 'r', builtAt: 1, changedAt: 1, revalidate: 60 as const, status: 'ok' as const };
    a.pages['/x/'] = { ...base, file: 'x/index.html', outputHash: '1' };
    b.pages['/x/'] = { ...base, file: 'x/index.html', outputHash: '1', builtAt: 2 };
    a.pages['/y/'] = { ...base, file: 'y/index.html', outputHash: '1' };
    b.pages['/y/'] = { ...base, file: 'y/index.html', outputHash: '2' };
    a.pages['/z/'] = { ...base, file: 'z/index.html' };
    expect(changedFiles(a, b).sort()).toEqual(['404.html', 'sitemap.xml', 'y/index.html', 'z/index.html']);
  });
});

describe('injectLiveScript', () => {
  it('puts the script before </body>, or at the end without one', () => {
    const html = injectLiveScript(Buffer.from('<html><body><p>x</p></body></html>')).toString();
    expect(html).toMatch(/<p>x<\/p><script>.*EventSource.*<\/script>\n<\/body><\/html>$/s);
    expect(injectLiveScript(Buffer.from('<p>bare</p>')).toString()).toMatch(/^<p>bare<\/p><script>/);
  });
});
