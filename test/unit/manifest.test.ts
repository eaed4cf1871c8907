import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IsrError } from '../../src/errors.js';
import {
  emptyManifest,
  loadShards,
  type Manifest,
  openManifest,
  type PageEntry,
  readManifest,
  shardDir,
} from '../../src/manifest/manifest.js';
import { prepareShards } from '../../src/manifest/prepare-shards.js';
import { chooseBits, shardOf } from '../../src/manifest/shards.js';
import { stageManifest, writeManifest } from '../../src/manifest/write-manifest.js';

const roots: string[] = [];
let root: string;
let file: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'isr-manifest-'));
  roots.push(root);
  mkdirSync(path.join(root, '.isr'));
  file = path.join(root, '.isr', 'manifest.json');
});
afterEach(() => {
  vi.unstubAllEnvs();
  all = ALL;
});
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const WAY_OUT = 'delete .isr/manifest.json and .isr/manifest-pages/ and run `isr build` to rebuild them (the output folder is kept)';
const ROUTES = new Map([['r', { revalidate: 60 as const, sitemap: true }]]);
const ALL = { dirty: 'all' as const, routes: ROUTES };
/** Every shard rewritten; `perShard(n)` sets the pages per shard aimed at (as ISR_PAGES_PER_SHARD does for the CLI). */
let all: { dirty: 'all'; routes: typeof ROUTES; pagesPerShard?: number } = ALL;
const perShard = (n: number) => void (all = { ...ALL, pagesPerShard: n });

async function failure(text: string | (() => void)): Promise<{ code: string; exit: number; line: string }> {
  if (typeof text === 'string') writeFileSync(file, text);
  else text();
  try {
    await readManifest(file, root);
  } catch (err) {
    if (!(err instanceof IsrError)) throw err;
    return { code: err.code, exit: err.exitCode, line: err.toLine() };
  }
  throw new Error('expected the manifest to be refused');
}

const entry = (over: Partial<PageEntry> = {}): PageEntry => ({
  route: 'r',
  builtAt: 1,
  changedAt: 1,
  revalidate: 60,
  status: 'ok',
  ...over,
});

const valid = (n = 2): Manifest => {
  const pages: Record<string, PageEntry> = {
    '/b/': entry({ file: 'b/index.html' }),
    '/a/': entry({ builtAt: 2, changedAt: 2, revalidate: false, status: 'notFound' }),
  };
  for (let i = 2; i < n; i++) pages[`/p${i}/`] = entry({ file: `p${i}/index.html`, builtAt: 100 + i });
  return { ...emptyManifest(), generator: 'isr test', updatedAt: 5, configHash: 'c', pages };
};

/** The manifest as read back, minus the in-memory shard table. */
async function readBack(): Promise<Omit<Manifest, 'shards'>> {
  const { shards: _s, ...m } = (await readManifest(file, root))!;
  return m;
}

describe('reading the manifest', () => {
  it('returns undefined when there is none (a first build)', async () => {
    expect(await readManifest(path.join(root, 'missing.json'), root)).toBeUndefined();
  });

  it('refuses corrupt JSON, naming the file and the way out', async () => {
    const f = await failure('{"version": 2, "shards": {');
    expect(f.code).toBe('MANIFEST_CORRUPT');
    expect(f.exit).toBe(6);
    expect(f.line).toMatch(
      /^\.isr\/manifest\.json: the manifest is not valid JSON \(.+\) \(delete \.isr\/manifest\.json and \.isr\/manifest-pages\/ and run `isr build` to rebuild them \(the output folder is kept\)\)$/,
    );
  });

  it('refuses a manifest of another version', async () => {
    expect(await failure(JSON.stringify({ ...valid(), version: 3 }))).toEqual({
      code: 'MANIFEST_CORRUPT',
      exit: 6,
      line: `.isr/manifest.json: manifest version 3 is not supported (this isr reads versions 1 and 2) (${WAY_OUT})`,
    });
  });

  it('refuses JSON that is not a manifest', async () => {
    for (const text of ['null', '[]', '"x"', '{"pages":{}}']) {
      expect((await failure(text)).line).toBe(`.isr/manifest.json: this is not an isr manifest (no "version") (${WAY_OUT})`);
    }
  });

  it('refuses a manifest missing a section', async () => {
    await writeManifest(file, valid(), all);
    const head = JSON.parse(readFileSync(file, 'utf8'));
    for (const key of ['routes', 'templates', 'configHash']) {
      const m = { ...head };
      delete m[key];
      expect((await failure(JSON.stringify(m))).line).toBe(
        `.isr/manifest.json: the manifest is missing "routes", "templates" or "configHash" (${WAY_OUT})`,
      );
    }
    for (const key of ['shards', 'shardBits', 'generation']) {
      const m = { ...head };
      delete m[key];
      expect((await failure(JSON.stringify(m))).line).toBe(
        `.isr/manifest.json: the manifest is missing "shards", "shardBits" or "generation" (${WAY_OUT})`,
      );
    }
  });

  it('refuses a malformed page entry, naming its path', async () => {
    await writeManifest(file, valid(), all);
    const shard = path.join(shardDir(file), readdirSync(shardDir(file))[0]!);
    const f = await failure(() => writeFileSync(shard, readFileSync(shard, 'utf8').replace('"builtAt":1,', '"builtAt":"yesterday",')));
    expect(f.line).toBe(`.isr/manifest.json: manifest entry for "/b/" is malformed (${WAY_OUT})`);
  });

  it('refuses a head naming a shard file outside its folder, and a shard that is missing', async () => {
    await writeManifest(file, valid(), all);
    const head = JSON.parse(readFileSync(file, 'utf8'));
    const good = head.shards['0'].file;
    head.shards['0'].file = '../../secret.json';
    expect((await failure(JSON.stringify(head))).line).toBe(`.isr/manifest.json: shard "0" is malformed (${WAY_OUT})`);
    head.shards['0'].file = good;
    writeFileSync(file, JSON.stringify(head));
    rmSync(path.join(shardDir(file), good));
    expect((await failure(() => {})).line).toBe(`a shard of the manifest is missing (.isr/manifest-pages/${good}) (${WAY_OUT})`);
  });

  it('refuses an entry filed in the wrong shard (it could never be found by its path)', async () => {
    perShard(1);
    await writeManifest(file, valid(8), all);
    const head = JSON.parse(readFileSync(file, 'utf8'));
    const [a, b] = Object.keys(head.shards);
    const fa = path.join(shardDir(file), head.shards[a!].file);
    const fb = path.join(shardDir(file), head.shards[b!].file);
    const moved = JSON.parse(readFileSync(fb, 'utf8')).pages;
    const target = JSON.parse(readFileSync(fa, 'utf8'));
    writeFileSync(fa, JSON.stringify({ ...target, pages: { ...target.pages, ...moved } }));
    expect((await failure(() => {})).line).toMatch(
      /^\.isr\/manifest\.json: manifest entry for "[^"]+" is in the wrong shard \([0-9a-f]+\)/,
    );
  });

  it('reports a manifest that cannot be read (a folder in its place)', async () => {
    const dir = path.join(root, 'as-dir');
    mkdirSync(dir, { recursive: true });
    await expect(readManifest(dir, root)).rejects.toMatchObject({
      code: 'MANIFEST_CORRUPT',
      message: expect.stringMatching(/^cannot read the manifest: /),
    });
  });

  it('reads a version 1 manifest (one file with every page) and writes it back as version 2', async () => {
    const m = valid();
    writeFileSync(file, JSON.stringify({ ...m, version: 1 }));
    const read = (await readManifest(file, root))!;
    expect(read.pages).toEqual(m.pages);
    await writeManifest(file, read, all);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 2, shardBits: 0 });
    expect((await readBack()).pages).toEqual(m.pages);
  });
});

describe('writing the manifest', () => {
  it('round-trips: a head, and the pages in a shard file sorted by path, one line per page', async () => {
    const m = valid();
    await writeManifest(file, { ...m, pendingRemovals: [] }, all);
    expect(await readBack()).toEqual({ ...m, pages: { '/a/': m.pages['/a/'], '/b/': m.pages['/b/'] } });
    const head = readFileSync(file, 'utf8');
    expect(head).not.toContain('pendingRemovals');
    expect(head).not.toContain('"/b/"');
    const shard = readFileSync(path.join(shardDir(file), JSON.parse(head).shards['0'].file), 'utf8');
    expect(shard).toBe(
      `{"version":2,"shard":"0","pages":{\n"/a/": ${JSON.stringify(m.pages['/a/'])},\n"/b/": ${JSON.stringify(m.pages['/b/'])}\n}}\n`,
    );
  });

  it('keeps pending removals when there are some', async () => {
    await writeManifest(file, { ...valid(), pendingRemovals: ['old/index.html'] }, all);
    expect((await readManifest(file, root))?.pendingRemovals).toEqual(['old/index.html']);
  });

  it('summarizes each shard in the head: pages, next due time, routes and template hashes', async () => {
    const m = valid();
    m.pages['/b/']!.templateHash = 't1';
    m.pages['/c/'] = entry({ status: 'error', retryAt: 9, file: 'c/index.html', templateHash: 't2', builtAt: 0 });
    await writeManifest(file, m, all);
    expect(JSON.parse(readFileSync(file, 'utf8')).shards['0']).toMatchObject({
      pages: 3,
      nextDueAt: 9,
      routes: { r: { pages: 3, notFound: 1, templateHashes: ['t1', 't2'] } },
      sitemap: { urls: 2, lastmod: 1 },
    });
  });
});

describe('a manifest split in shards', () => {
  it('chooses the split from the page count, and keeps it while a site changes a little', () => {
    expect(chooseBits(10, undefined, 512)).toBe(0);
    expect(chooseBits(1000, undefined, 512)).toBe(1);
    expect(chooseBits(100_000, undefined, 512)).toBe(8);
    expect(chooseBits(100_000 * 1.5, 8, 512)).toBe(8);
    expect(chooseBits(100_000 * 3, 8, 512)).toBe(10);
    expect(chooseBits(5_000, 8, 512)).toBe(4);
    expect(shardOf('/posts/x/', 8)).toMatch(/^[0-9a-f]{2}$/);
  });

  it('opens with no page loaded, and loads exactly the shards asked for', async () => {
    perShard(2);
    const m = valid(12);
    await writeManifest(file, m, all);
    const head = openManifest(file, root)!;
    expect(head.pages).toEqual({});
    const bits = head.shards!.bits;
    expect(bits).toBeGreaterThan(0);
    const id = shardOf('/b/', bits);
    loadShards(head, file, root, [id]);
    expect(Object.keys(head.pages).sort()).toEqual(
      Object.keys(m.pages)
        .filter((p) => shardOf(p, bits) === id)
        .sort(),
    );
    loadShards(head, file, root, 'all');
    expect(head.pages).toEqual(m.pages);
  });

  it('writes the head with one line per shard, and a later write changes exactly the lines of the shards it rewrote', async () => {
    perShard(2);
    await writeManifest(file, valid(12), all);
    const before = readFileSync(file, 'utf8');
    const m = openManifest(file, root)!;
    const lines = (text: string) => text.split('\n').filter((l) => /^ {2}"[0-9a-f]+": \{/.test(l));
    expect(lines(before)).toHaveLength(Object.keys(m.shards!.info).length);
    const id = shardOf('/b/', m.shards!.bits);
    loadShards(m, file, root, [id]);
    m.pages['/b/'] = entry({ file: 'b/index.html', builtAt: 777, changedAt: 777 });
    // Written twice from the same summaries: the second write formats them from its cache.
    await writeManifest(file, m, { dirty: new Set([id]), routes: ROUTES });
    await writeManifest(file, m, { dirty: new Set([id]), routes: ROUTES });
    const after = readFileSync(file, 'utf8');
    const changed = lines(after).filter((l) => !lines(before).includes(l));
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(new RegExp(`^  "${id}": \\{"file":"${id}\\.3\\.json"`));
    // The text says what the table says, cache or not.
    const head = JSON.parse(after);
    expect(head.shards).toEqual(JSON.parse(JSON.stringify(m.shards!.info)));
    expect(head.shards[id].sitemap.lastmod).toBe(777);
  });

  it('rewrites only the shards it is told changed; the others keep their files', async () => {
    perShard(2);
    await writeManifest(file, valid(12), all);
    const m = openManifest(file, root)!;
    const id = shardOf('/b/', m.shards!.bits);
    loadShards(m, file, root, [id]);
    const before = new Map(readdirSync(shardDir(file)).map((f) => [f, statSync(path.join(shardDir(file), f)).mtimeMs]));
    m.pages['/b/'] = entry({ file: 'b/index.html', builtAt: 777 });
    await writeManifest(file, m, { dirty: new Set([id]), routes: ROUTES });
    const after = readdirSync(shardDir(file));
    const oldName = [...before.keys()].find((f) => f.startsWith(`${id}.`))!;
    expect(after).not.toContain(oldName);
    expect(after.filter((f) => !before.has(f))).toEqual([`${id}.2.json`]);
    for (const f of after) if (before.has(f)) expect(statSync(path.join(shardDir(file), f)).mtimeMs).toBe(before.get(f));
    expect((await readBack()).pages['/b/']!.builtAt).toBe(777);
    expect(Object.keys((await readBack()).pages)).toHaveLength(12);
  });

  it('refuses to write a shard it has not loaded (its other pages would be lost)', async () => {
    perShard(2);
    await writeManifest(file, valid(12), all);
    const m = openManifest(file, root)!;
    expect(() => prepareShards(m, { dirty: new Set([shardOf('/b/', m.shards!.bits)]), routes: ROUTES })).toThrow(/Invariant/);
  });

  it('stages without publishing: discarding leaves the manifest on disk as it was', async () => {
    perShard(2);
    await writeManifest(file, valid(12), all);
    const files = () => [readFileSync(file, 'utf8'), ...readdirSync(shardDir(file)).sort()].join('|');
    const before = files();
    const m = (await readManifest(file, root))!;
    m.pages['/b/'] = entry({ builtAt: 999 });
    const staged = await stageManifest(file, m, prepareShards(m, all));
    await staged.discard();
    expect(files()).toBe(before);
    expect(readdirSync(path.dirname(file)).filter((f) => f.endsWith('.isr-tmp'))).toEqual([]);
  });

  it('a reader holding an older head finds the shards a later write replaced (it reads the new head)', async () => {
    perShard(2);
    await writeManifest(file, valid(12), all);
    const stale = openManifest(file, root)!;
    const writer = (await readManifest(file, root))!;
    for (const p of Object.keys(writer.pages)) writer.pages[p]!.builtAt = 4242;
    await writeManifest(file, writer, all);
    loadShards(stale, file, root, 'all');
    expect(Object.values(stale.pages).every((e) => e.builtAt === 4242)).toBe(true);
    expect(Object.keys(stale.pages)).toHaveLength(12);
  });
});
