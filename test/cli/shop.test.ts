import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redirectStub } from '../../src/write/site-files.js';
import { builtOnce } from '../helpers/built-once.js';
import { json, planned, snapshot, sorted } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

// fixtures/shop: home (revalidate 60), items (300, listed every 120 s; cherry overrides 600), an
// about page (never). Built once at T0; each test works on a copy of that build.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const ms = (seconds: number) => T0 + seconds * 1000;

const built = builtOnce('shop', { now: at(0) });
let site: TempSite;

async function fresh(): Promise<TempSite> {
  site = await built.copy();
  return site;
}
const item = (id: string, data: Record<string, unknown>) => site.write(`data/items/${id}.json`, JSON.stringify(data));

// These suites pin the time-based model (windows, retries, listings falling due), so their
// regens run with --no-detect: with change detection on, an edited data file re-renders its pages
// at once (test/cli/change-detection.test.ts).
describe('three cron ticks while the data changes', () => {
  it('renders exactly what is due at each tick, for the reason it is due', async () => {
    await fresh();

    // Tick 1 (+60 s): apple's price changed. Only the home page (60 s) is due; it shows the new
    // price, the apple page (300 s) keeps the old one until it is due.
    await item('apple', { name: 'Apple', price: 5 });
    const t1 = await site.run(['regen', '--no-detect', '--json'], { now: at(60) });
    expect(t1.code).toBe(0);
    expect(json(t1).plan.render).toEqual([{ path: '/', route: 'home', reasons: ['expired'] }]);
    expect(json(t1).plan.remove).toEqual([]);
    expect(sorted(json(t1).written)).toEqual(['index.html', 'sitemap.xml']);
    expect(await site.read('dist/index.html')).toContain('Apple</a> $5');
    expect(await site.read('dist/items/apple/index.html')).toContain('Price: $1');

    // Tick 2 (+180 s): date added, banana deleted. The item listing (120 s) is due: date is new,
    // banana is removed; home is due again (built at +60).
    await item('date', { name: 'Date', price: 7 });
    await rm(path.join(site.root, 'data/items/banana.json'));
    const t2 = await site.run(['regen', '--no-detect', '--json'], { now: at(180) });
    expect(t2.code).toBe(0);
    expect(planned(t2)).toEqual({ '/': ['expired'], '/items/date/': ['new'] });
    expect(json(t2).plan.remove).toEqual([{ path: '/items/banana/', file: 'items/banana/index.html', reason: 'removed' }]);
    expect(sorted(json(t2).written)).toEqual(['index.html', 'items/date/index.html', 'sitemap.xml']);
    expect(json(t2).removed).toEqual(['items/banana/index.html']);
    expect(existsSync(path.join(site.root, 'dist/items/banana'))).toBe(false);

    // Tick 3 (+300 s): cherry's price changed too. Apple (300 s) is due and now shows $5;
    // cherry (600 s) and date (built at +180) are not; the listing is due but finds nothing new.
    await item('cherry', { name: 'Cherry', price: 4, revalidate: 600 });
    const t3 = await site.run(['regen', '--no-detect', '--json'], { now: at(300) });
    expect(t3.code).toBe(0);
    expect(planned(t3)).toEqual({ '/': ['expired'], '/items/apple/': ['expired'] });
    expect(json(t3).plan.remove).toEqual([]);
    expect(sorted(json(t3).written)).toEqual(['index.html', 'items/apple/index.html', 'sitemap.xml']);
    expect(await site.read('dist/items/apple/index.html')).toContain('Price: $5');
    expect(await site.read('dist/items/cherry/index.html')).toContain('Price: $3');

    const m = await site.manifest();
    expect(m.routes.item.listedAt).toBe(ms(300));
    expect(Object.fromEntries(Object.entries(m.pages).map(([p, e]: [string, any]) => [p, [e.builtAt, e.changedAt]]))).toEqual({
      '/': [ms(300), ms(300)],
      '/about/': [ms(0), ms(0)],
      '/items/apple/': [ms(300), ms(300)],
      '/items/cherry/': [ms(0), ms(0)],
      '/items/date/': [ms(180), ms(180)],
    });
  });
});

describe('a page whose load throws', () => {
  it('keeps the last good file, records the failure, lets the others proceed and retries only after retryAt', async () => {
    await fresh();
    const good = await site.read('dist/items/apple/index.html');
    await item('apple', { name: 'Apple', price: 9, fail: true });

    // +300 s: home, apple and banana are due; apple fails.
    const r1 = await site.run(['regen', '--no-detect'], { now: at(300) });
    expect(r1.code).toBe(1);
    expect(r1.stdout).toBe('');
    expect(r1.stderr).toMatch(
      /^error \/items\/apple\/: upstream for apple is down\nregenerated 2 pages in \d+\.\d\ds: 2 written, 1 unchanged, 0 removed, 1 failed\n$/,
    );
    expect(await site.read('dist/items/apple/index.html')).toBe(good);
    let apple = (await site.manifest()).pages['/items/apple/'];
    expect(apple).toMatchObject({
      status: 'error',
      error: 'upstream for apple is down',
      attempts: 1,
      retryAt: ms(360),
      file: 'items/apple/index.html',
      builtAt: ms(0),
      changedAt: ms(0),
    });

    // Not before retryAt: nothing is due at +359 s (exit 0: no new failure).
    expect(await site.run(['regen', '--no-detect'], { now: at(359) })).toEqual({ code: 0, stdout: '', stderr: 'nothing due\n' });

    // At retryAt it is tried again, fails again, and backs off twice as long.
    const r2 = await site.run(['regen', '--no-detect', '--json'], { now: at(360) });
    expect(r2.code).toBe(1);
    expect(planned(r2)).toEqual({ '/': ['expired'], '/items/apple/': ['retry'] });
    expect(json(r2).failed).toEqual([{ path: '/items/apple/', error: '/items/apple/: upstream for apple is down' }]);
    apple = (await site.manifest()).pages['/items/apple/'];
    expect(apple).toMatchObject({ status: 'error', attempts: 2, retryAt: ms(480) });

    const status = await site.run(['status', '--json'], { now: at(361) });
    expect(json(status).failing).toEqual([{ path: '/items/apple/', error: 'upstream for apple is down', attempts: 2, retryAt: at(480) }]);
    const human = await site.run(['status'], { now: at(361) });
    expect(human.stdout).toContain(`1 failing:\n  /items/apple/  attempts 2, next retry ${at(480)}: upstream for apple is down\n`);

    // Fixed upstream: the retry succeeds and the failure is forgotten.
    await item('apple', { name: 'Apple', price: 9 });
    const r3 = await site.run(['regen', '--no-detect', '--json'], { now: at(480) });
    expect(r3.code).toBe(0);
    expect(planned(r3)['/items/apple/']).toEqual(['retry']);
    expect(json(r3).written).toContain('items/apple/index.html');
    apple = (await site.manifest()).pages['/items/apple/'];
    expect(apple.status).toBe('ok');
    expect(apple.error).toBeUndefined();
    expect(apple.attempts).toBeUndefined();
    expect(apple.retryAt).toBeUndefined();
    expect(await site.read('dist/items/apple/index.html')).toContain('Price: $9');
  });

  it('fails a page that never rendered without writing anything for it', async () => {
    await fresh();
    await item('fig', { name: 'Fig', price: 2, fail: true });
    const r = await site.run(['regen', '--no-detect', '--json'], { now: at(120) });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([{ path: '/items/fig/', error: '/items/fig/: upstream for fig is down' }]);
    expect(existsSync(path.join(site.root, 'dist/items/fig'))).toBe(false);
    const fig = (await site.manifest()).pages['/items/fig/'];
    expect(fig).toEqual({
      route: 'item',
      params: { id: 'fig' },
      builtAt: 0,
      changedAt: 0,
      revalidate: 300,
      status: 'error',
      error: 'upstream for fig is down',
      attempts: 1,
      retryAt: ms(180),
    });
    expect(await site.read('dist/sitemap.xml')).not.toContain('fig');
  });
});

describe('a route listing that fails', () => {
  it('keeps the pages, exits 1, and clears the error when the listing recovers', async () => {
    await fresh();
    await rm(path.join(site.root, 'data/items/banana.json'));
    const r1 = await site.run(['regen', '--no-detect', '--json'], { now: at(120), env: { SHOP_PATHS_FAIL: '1' } });
    expect(r1.code).toBe(1);
    expect(json(r1).failed).toEqual([]);
    expect(json(r1).listingFailed).toEqual([{ route: 'item', error: 'paths() of item failed: inventory API is down' }]);
    expect(json(r1).plan.remove).toEqual([]);
    let m = await site.manifest();
    expect(m.routes.item).toMatchObject({ listedAt: ms(0), error: 'paths() of item failed: inventory API is down' });
    expect(m.pages['/items/banana/']).toBeDefined();

    const r2 = await site.run(['regen', '--no-detect', '--json'], { now: at(130) });
    expect(r2.code).toBe(0);
    expect(json(r2).plan.remove).toEqual([{ path: '/items/banana/', file: 'items/banana/index.html', reason: 'removed' }]);
    m = await site.manifest();
    expect(m.routes.item).toEqual({ listedAt: ms(130), listRevalidate: 120, tags: ['files:data/items'] });
  });

  it('records a re-listing that changed nothing, so it is not repeated on every run', async () => {
    await fresh();
    // Home rendered at +110 s is due at +170; the listing (every 120 s) is due at +120.
    expect((await site.run(['regen', '--no-detect', '--quiet', '--path', '/'], { now: at(110) })).code).toBe(0);
    const r = await site.run(['regen', '--no-detect', '--json'], { now: at(130) });
    expect(r.code).toBe(0);
    expect(json(r).plan.render).toEqual([]);
    expect((await site.manifest()).routes.item.listedAt).toBe(ms(130));
    // The next run, before either is due, leaves everything alone.
    const before = await snapshot(site.root);
    expect((await site.run(['regen', '--no-detect'], { now: at(140) })).stderr).toBe('nothing due\n');
    expect(await snapshot(site.root)).toEqual(before);
  });
});

describe('redirects', () => {
  it('writes a redirect stub and a _redirects line, and leaves the page out of the sitemap', async () => {
    await fresh();
    await item('cherry', { name: 'Cherry', price: 3, movedTo: '/items/apple/', permanent: true });
    const r = await site.run(['regen', '--no-detect', '--json', '--path', '/items/cherry/'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(sorted(json(r).written)).toEqual(['_headers', '_redirects', 'items/cherry/index.html', 'sitemap.xml']);
    expect(await site.read('dist/items/cherry/index.html')).toBe(redirectStub('/items/apple/'));
    expect(await site.read('dist/_redirects')).toBe('/items/cherry/ /items/apple/ 308\n');
    expect(await site.read('dist/sitemap.xml')).not.toContain('cherry');
    // Cherry's own revalidate (600) came with its props; the redirect uses the route's.
    expect(await site.read('dist/_headers')).not.toContain('/items/cherry/');
    expect((await site.manifest()).pages['/items/cherry/']).toMatchObject({
      status: 'redirect',
      redirect: { destination: '/items/apple/', permanent: true },
      file: 'items/cherry/index.html',
    });
  });

  it('writes a 307 for a temporary redirect and drops _redirects when none is left', async () => {
    await fresh();
    await item('cherry', { name: 'Cherry', price: 3, movedTo: 'https://elsewhere.example/cherry' });
    await site.run(['regen', '--no-detect', '--quiet', '--path', '/items/cherry/'], { now: at(1) });
    expect(await site.read('dist/_redirects')).toBe('/items/cherry/ https://elsewhere.example/cherry 307\n');
    // Back to a normal page: no redirect is left, so _redirects must go (hosts apply it first).
    await item('cherry', { name: 'Cherry', price: 3, revalidate: 600 });
    const r = await site.run(['regen', '--no-detect', '--json', '--path', '/items/cherry/'], { now: at(2) });
    expect(r.code).toBe(0);
    expect(json(r).removed).toEqual(['_redirects']);
    expect(existsSync(path.join(site.root, 'dist/_redirects'))).toBe(false);
    expect(await site.read('dist/items/cherry/index.html')).toContain('Price: $3');
  });
});

describe('after a change: onChange and --exec', () => {
  it('gives the change set to onChange and, as JSON on stdin, to the --exec command', async () => {
    await fresh();
    await rm(path.join(site.root, 'on-change.log'), { force: true });
    await item('apple', { name: 'Apple', price: 2 });
    const r = await site.run(
      ['regen', '--no-detect', '--quiet', '--path', '/items/apple/', '--exec', 'cat > exec.json; printf %s "$ISR_OUT_DIR" > outdir.txt'],
      {
        now: at(1),
      },
    );
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    const expected = { written: ['items/apple/index.html', 'sitemap.xml'], removed: [] };
    expect(JSON.parse(await site.read('exec.json'))).toEqual(expected);
    expect(await site.read('outdir.txt')).toBe(path.join(site.root, 'dist'));
    expect(
      (await site.read('on-change.log'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([expected]);
  });

  it('runs neither when nothing changed', async () => {
    await fresh();
    await rm(path.join(site.root, 'on-change.log'), { force: true });
    const r = await site.run(['regen', '--no-detect', '--quiet', '--path', '/items/apple/', '--exec', 'touch ran'], { now: at(1) });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(site.root, 'ran'))).toBe(false);
    expect(existsSync(path.join(site.root, 'on-change.log'))).toBe(false);
  });

  it('exits 1 when the --exec command or the onChange hook fails (the pages are published)', async () => {
    await fresh();
    await item('apple', { name: 'Apple', price: 3 });
    const r = await site.run(['regen', '--no-detect', '--quiet', '--path', '/items/apple/', '--exec', 'exit 3'], {
      now: at(1),
      env: { SHOP_ONCHANGE_FAIL: '1' },
    });
    expect(r.code).toBe(1);
    // The change set is kept for the next run (issue 16 item 11; test/cli/pending-changes.test.ts).
    expect(r.stderr).toBe(
      'error onChange hook failed: CDN purge failed\nerror --exec command exited with status 3\n' +
        "error the change set (2 written, 0 removed) is kept in .isr/pending-changes/ and delivered with the next run's\n",
    );
    expect(await site.read('dist/items/apple/index.html')).toContain('Price: $3');
  });
});

describe('the build log of the fixture', () => {
  it('recorded the first build in on-change.log', async () => {
    const first = JSON.parse((await readFile(path.join(built.site.root, 'on-change.log'), 'utf8')).split('\n')[0]!);
    expect(sorted(first.written)).toEqual([
      '_headers',
      'about/index.html',
      'index.html',
      'items/apple/index.html',
      'items/banana/index.html',
      'items/cherry/index.html',
      'sitemap.xml',
    ]);
    expect(first.removed).toEqual([]);
  });
});
