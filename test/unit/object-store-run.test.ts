import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { type RunOptions, runSite } from '../../src/run/run-site.js';
import { memorySiteStore } from '../../src/store/memory-store.js';
import { listKeys, type SiteStore, type Store } from '../../src/store/store.js';
import { cacheControl } from '../../src/write/cache-control.js';
import { pastRacyWindow } from '../helpers/racy.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 20 items 1-3 on the memory store (an object store like S3, in memory): a run whose site
// lives in a store reads what it needs from the store, never from an output folder or .isr/ on
// the runner, uploads exactly what changed with the headers a host serves, and deletes what
// went. The same runs against the real Ceph RGW are in test/s3/.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3600_000;

const sites: TempSite[] = [];
afterEach(async () => {
  for (const s of sites.splice(0)) await s.cleanup();
});

async function site(name: string): Promise<TempSite> {
  const s = await tempSite(name);
  sites.push(s);
  return s;
}

/** The store, with every call it gets written down (a lease's acquire and release count too). */
function counted(inner: SiteStore): SiteStore & { calls: string[] } {
  const calls: string[] = [];
  const note = <T>(call: string, result: T): T => {
    calls.push(call);
    return result;
  };
  const wrap = (name: string, s: Store): Store => ({
    get: (k) => note(`GET ${name}/${k}`, s.get(k)),
    head: (k) => note(`HEAD ${name}/${k}`, s.head(k)),
    put: (k, b, o) => note(`PUT ${name}/${k}`, s.put(k, b, o)),
    list: (p) => note(`LIST ${name}/${p}`, s.list(p)),
    deleteMany: (keys) => note(`DELETE ${name}/${[...keys].sort().join(',')}`, s.deleteMany(keys)),
  });
  return {
    ...inner,
    calls,
    site: wrap('site', inner.site),
    state: wrap('state', inner.state),
    leases: {
      async acquire(name, o) {
        calls.push('LEASE');
        const lease = await inner.leases.acquire(name, o);
        const release = lease.release.bind(lease);
        return Object.assign(lease, { release: () => note('RELEASE', release()) });
      },
    },
  };
}

function run(root: string, store: SiteStore, o: Partial<RunOptions> & Pick<RunOptions, 'mode'>) {
  return loadConfig(root).then((config) => runSite(config, { now: T0, logger: silentLogger(), command: 'test', store, ...o }));
}

const text = async (s: Store, key: string) => new TextDecoder().decode((await s.get(key))?.body);

describe('a run whose site lives in an object store', () => {
  it('builds into the store with the headers a host serves, writing no output folder or .isr/ on the runner', async () => {
    const blog = await site('blog');
    const store = memorySiteStore();
    await run(blog.root, store, { mode: 'build', detect: true });
    expect(existsSync(path.join(blog.root, 'dist'))).toBe(false);
    expect(existsSync(path.join(blog.root, '.isr'))).toBe(false);
    const keys = await listKeys(store.site);
    expect(keys).toEqual(expect.arrayContaining(['index.html', 'blog/hello-world/index.html', 'style.css', 'sitemap.xml', '404.html']));
    expect((await store.site.head('index.html'))?.meta).toEqual({
      contentType: 'text/html; charset=utf-8',
      cacheControl: cacheControl(600),
    });
    expect((await store.site.head('blog/hello-world/index.html'))?.meta?.cacheControl).toBe(cacheControl(3600));
    expect((await store.site.head('404.html'))?.meta?.cacheControl).toBe(cacheControl(false));
    expect((await store.site.head('style.css'))?.meta).toEqual({ contentType: 'text/css; charset=utf-8' });
    expect(await listKeys(store.state)).toEqual(['manifest-pages/0.1.json', 'manifest.json', 'records.json']);
  });

  it('with nothing due and nothing changed, reads the head and the records only, and takes no lease', async () => {
    const blog = await site('blog');
    const store = counted(memorySiteStore());
    await pastRacyWindow(blog.root);
    await run(blog.root, store, { mode: 'build', detect: true });
    store.calls.length = 0;
    const r = await run(blog.root, store, { mode: 'regen', detect: true, now: T0 + 60_000 });
    expect(r.rendered).toEqual([]);
    expect(store.calls.sort()).toEqual(['GET state/manifest.json', 'GET state/records.json']);
  });

  it('uploads a named page only when its bytes changed, and then with its sitemap only', async () => {
    const blog = await site('blog');
    const store = counted(memorySiteStore());
    await run(blog.root, store, { mode: 'build', detect: true });
    store.calls.length = 0;
    await run(blog.root, store, { mode: 'regen', paths: ['/blog/hello-world/'], now: T0 + 1000 });
    expect(store.calls.filter((c) => c.startsWith('PUT site/'))).toEqual([]);
    await blog.write('content/posts/hello-world.md', `${await blog.read('content/posts/hello-world.md')}\nOne more line.\n`);
    store.calls.length = 0;
    const r = await run(blog.root, store, { mode: 'regen', paths: ['/blog/hello-world/'], now: T0 + 2000, detect: false });
    expect(r.written.sort()).toEqual(['blog/hello-world/index.html', 'sitemap.xml']);
    // (Keys, not calls: the memory store cannot say a page's version in advance, so a page it has is put
    // after a failed If-None-Match and a read of its version; S3 puts it once, test/s3/.)
    expect([...new Set(store.calls.filter((c) => c.startsWith('PUT site/')))].sort()).toEqual([
      'PUT site/blog/hello-world/index.html',
      'PUT site/sitemap.xml',
    ]);
    expect(await text(store.site, 'blog/hello-world/index.html')).toContain('One more line.');
  });

  it('deletes from the store a page whose entry is gone and an asset removed from public/, in one batch', async () => {
    const blog = await site('blog');
    const store = counted(memorySiteStore());
    await run(blog.root, store, { mode: 'build', detect: true });
    await unlink(path.join(blog.root, 'content/posts/why-static.md'));
    await rm(path.join(blog.root, 'public/style.css'));
    store.calls.length = 0;
    await run(blog.root, store, { mode: 'build', now: T0 + HOUR });
    const keys = await listKeys(store.site);
    expect(keys).not.toContain('blog/why-static/index.html');
    expect(keys).not.toContain('style.css');
    const deletes = store.calls.filter((c) => c.startsWith('DELETE site/'));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).toContain('blog/why-static/index.html');
    expect(deletes[0]).toContain('style.css');
  });

  it('uploads an asset again only when its bytes changed, judged by the record in the store (a fresh runner has none on disk)', async () => {
    const first = await site('blog');
    const store = counted(memorySiteStore());
    await run(first.root, store, { mode: 'build', detect: true });
    // Another runner: a fresh checkout of the same site (new inodes and times), no .isr/.
    const second = await site('blog');
    store.calls.length = 0;
    await run(second.root, store, { mode: 'regen', now: T0 + 1000 });
    expect(store.calls.filter((c) => c.startsWith('PUT site/'))).toEqual([]);
    await second.write('public/style.css', 'body { color: red }\n');
    store.calls.length = 0;
    await run(second.root, store, { mode: 'regen', now: T0 + 2000 });
    expect(store.calls.filter((c) => c.startsWith('PUT site/style.css'))).toEqual(['PUT site/style.css']);
    expect(await text(store.site, 'style.css')).toBe('body { color: red }\n');
  });

  it('puts a redirect page with the S3 website redirect as well as its stub', async () => {
    const shop = await site('shop');
    const store = memorySiteStore();
    await run(shop.root, store, { mode: 'build' });
    await writeFile(path.join(shop.root, 'data/items/banana.json'), JSON.stringify({ name: 'Banana', movedTo: '/items/apple/' }));
    await run(shop.root, store, { mode: 'regen', paths: ['/items/banana/'], now: T0 + 1000 });
    const obj = await store.site.get('items/banana/index.html');
    expect(obj?.meta?.redirectTo).toBe('/items/apple/');
    expect(new TextDecoder().decode(obj?.body)).toContain('url=/items/apple/');
  });

  it('deletes the work folders that runs killed meanwhile left in the temp folder, and leaves its own none', async () => {
    const blog = await site('blog');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const left = path.join(os.tmpdir(), `isr-run-${dead}-killed`);
    await mkdir(path.join(left, 'state'), { recursive: true });
    const mine = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith(`isr-run-${process.pid}-`));
    const before = mine().length;
    await run(blog.root, memorySiteStore(), { mode: 'build' });
    expect(existsSync(left)).toBe(false);
    expect(mine()).toHaveLength(before);
  });

  it('says the store has no manifest for a regen before any build', async () => {
    const blog = await site('blog');
    const store = { ...memorySiteStore(), where: 'memory://test/' };
    await expect(run(blog.root, store, { mode: 'regen' })).rejects.toMatchObject({
      code: 'MANIFEST_MISSING',
      message: 'no manifest in memory://test/',
    });
  });
});
