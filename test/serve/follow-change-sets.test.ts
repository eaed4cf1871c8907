import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { shardOf } from '../../src/manifest/shards.js';
import { ManifestOwner } from '../../src/serve/manifest-owner.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ServedSite, serveFixture, T0 } from './helpers.js';

// Issue 19 item 2: isr serve follows the change sets of other processes. The head a run writes
// records the version of the head it read, its pages and its shards; a server holding exactly
// that version takes that delta, and reads the manifest whole otherwise (a head missed, `all`).
let s: ServedSite | undefined;
let site: TempSite | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await s?.close();
  await site?.cleanup();
  s = undefined;
  site = undefined;
});

describe('a cron regen in another process, while isr serve runs', () => {
  it('is served (new bytes and headers) from its recorded change set, without reading the manifest whole', async () => {
    vi.stubEnv('ISR_PAGES_PER_SHARD', '1');
    const follows: string[] = [];
    s = await serveFixture('serve-site', { tuning: { pagesPerShard: 1 }, onFollow: (how) => follows.push(how) });
    const before = await s.get('/items/beta/');
    expect(before.text).toContain('<h1 id="title">Beta</h1>');
    expect(before.headers['cache-control']).not.toContain('max-age=300');
    await s.site.write('content/items/beta.json', JSON.stringify({ title: 'Beta from the cron', revalidate: 300 }));
    expect((await s.site.run(['regen', '--path', '/items/beta/'], { now: T0 + 5_000 })).code).toBe(0);
    await s.server.syncManifest();
    const after = await s.get('/items/beta/');
    expect(after.text).toContain('Beta from the cron');
    expect(after.headers['cache-control'], "the new entry's revalidate").toContain('300');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(follows, 'taken as the delta the head records, never reloaded whole').toEqual(['delta']);
    expect(s.server.manifest().pages).toEqual((await s.site.manifest()).pages);
  });
});

/** A built blog (two pages a shard) and a server's owner of its manifest that looks at the disk only when told. */
async function owned() {
  const env = { ISR_PAGES_PER_SHARD: '2' };
  site = await tempSite('blog');
  const built = await site.run(['build', '--quiet'], { now: T0, env });
  expect(built.code, built.stderr).toBe(0);
  const config = await loadConfig(site.root);
  const owner = await ManifestOwner.load({ config, logger: silentLogger(), onChange: () => {}, checkEveryMs: 1e9, freezeSnapshots: true });
  owner.close(); // no file watch: the test says when the owner looks at the disk
  const head = JSON.parse(await site.read('.isr/manifest.json'));
  const posts = [...owner.snapshot.entries()].map(([k]) => k).filter((k) => k.startsWith('/blog/'));
  const a = posts[0]!;
  const b = posts.find((k) => shardOf(k, head.shardBits) !== shardOf(a, head.shardBits))!;
  const cron = async (page: string, seconds: number) => {
    const r = await site!.run(['regen', '--path', page, '--quiet'], { now: T0 + seconds * 1000, env });
    expect(r.code, r.stderr).toBe(0);
  };
  /** Rewrite the head's recorded change set as a writer would (a new file renamed over it). */
  const editChange = async (edit: (c: Record<string, unknown>) => void) => {
    const file = path.join(site!.root, '.isr/manifest.json');
    const text = JSON.parse(await readFile(file, 'utf8'));
    edit(text.change);
    await writeFile(`${file}.tmp`, JSON.stringify(text, null, 1));
    await rename(`${file}.tmp`, file);
  };
  const pages = () => owner.snapshot.toManifest().pages;
  return { site: site!, owner, a, b, cron, editChange, pages };
}

describe('following heads written while the server was not looking', () => {
  it('one head: takes its delta', async () => {
    const { site, owner, a, cron, pages } = await owned();
    await cron(a, 60);
    await owner.check();
    expect(owner.followed).toEqual({ delta: 1, reload: 0 });
    expect(owner.page(a)!.builtAt).toBe(T0 + 60_000);
    expect(pages()).toEqual((await site.manifest()).pages);
  });

  it('two heads: the second was not written from the head held, so the manifest is read whole, and correct', async () => {
    const { site, owner, a, b, cron, pages } = await owned();
    await cron(a, 60);
    await cron(b, 120);
    await owner.check();
    expect(owner.followed).toEqual({ delta: 0, reload: 1 });
    expect(owner.page(a)!.builtAt, 'the first head missed').toBe(T0 + 60_000);
    expect(owner.page(b)!.builtAt).toBe(T0 + 120_000);
    expect(pages()).toEqual((await site.manifest()).pages);
    // From there on, the next head follows from the one held: a delta again.
    await cron(a, 180);
    await owner.check();
    expect(owner.followed).toEqual({ delta: 1, reload: 1 });
    expect(pages()).toEqual((await site.manifest()).pages);
  });

  it('a change set recording `all` shards (a new split) is read whole', async () => {
    const { site, owner, a, cron, editChange, pages } = await owned();
    await cron(a, 60);
    await editChange((c) => {
      c.shards = 'all';
    });
    await owner.check();
    expect(owner.followed).toEqual({ delta: 0, reload: 1 });
    expect(owner.page(a)!.builtAt).toBe(T0 + 60_000);
    expect(pages()).toEqual((await site.manifest()).pages);
  });

  it('a change set recording `all` pages takes its shards whole', async () => {
    const { site, owner, a, cron, editChange, pages } = await owned();
    await cron(a, 60);
    await editChange((c) => {
      c.pages = 'all';
    });
    await owner.check();
    expect(owner.followed).toEqual({ delta: 1, reload: 0 });
    expect(owner.page(a)!.builtAt).toBe(T0 + 60_000);
    expect(pages()).toEqual((await site.manifest()).pages);
  });
});

describe('a cron run that removed a page', () => {
  it('writes its head twice (the second clears the removals) and is still followed as one delta', async () => {
    const { site, owner, pages } = await owned();
    const gone = '/blog/why-static/';
    expect(owner.page(gone)).toBeDefined();
    await rm(path.join(site.root, 'content/posts/why-static.md'));
    // A day on: the listing is due again and finds the post gone.
    const r = await site.run(['regen', '--quiet'], { now: T0 + 86_400_000, env: { ISR_PAGES_PER_SHARD: '2' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(await site.read('.isr/manifest.json')).change.via, 'the head written again').toBeDefined();
    await owner.check();
    expect(owner.followed).toEqual({ delta: 1, reload: 0 });
    expect(owner.page(gone)).toBeUndefined();
    expect(pages()).toEqual((await site.manifest()).pages);
  });
});

describe('snapshots', () => {
  it('a reader holding the snapshot from before a change reads that one to the end; the change is a new snapshot', async () => {
    const { owner, a, cron } = await owned();
    const old = owner.snapshot;
    const entry = old.page(a)!;
    const file = entry.file!;
    await cron(a, 60);
    await owner.check();
    expect(owner.snapshot).not.toBe(old);
    expect(owner.page(a)!.builtAt).toBe(T0 + 60_000);
    // What a request that began before the change goes on reading: unchanged, and unchangeable.
    expect(old.page(a)).toBe(entry);
    expect(old.ownerOf(file)).toBe(a);
    expect(entry.builtAt).toBe(T0);
    expect(() => {
      (entry as { builtAt: number }).builtAt = 0;
    }).toThrow(TypeError);
    expect(Object.isFrozen(old.head)).toBe(true);
  });
});
