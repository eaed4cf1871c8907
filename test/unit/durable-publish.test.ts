import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Durability, fsyncDurability } from '../../src/write/durable.js';
import { inProcessSites, regenOf } from '../helpers/in-process.js';

// Issue 16 item 14: the publish is ordered by flushes, so a power loss keeps each page old or new
// and never lets the manifest name a page whose bytes or rename were lost.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const PAGE = 'dist/blog/hello-world/index.html';

const blog = inProcessSites('blog');

interface Flush {
  paths: string[];
  /** What the disk held when the flush was asked for. */
  page: string | undefined;
  head: number | undefined;
}

function recorder(root: string): { durability: Durability; flushes: Flush[] } {
  const flushes: Flush[] = [];
  const read = (rel: string) => (existsSync(path.join(root, rel)) ? readFileSync(path.join(root, rel), 'utf8') : undefined);
  const durability: Durability = {
    async flush(paths) {
      const head = read('.isr/manifest.json');
      flushes.push({ paths: [...paths], page: read(PAGE), head: head === undefined ? undefined : JSON.parse(head).generation });
      // What is flushed must exist: a flush of a path not yet written protects nothing.
      for (const p of paths) expect(existsSync(p), p).toBe(true);
    },
  };
  return { durability, flushes };
}

describe('a run flushes its publish to the disk in order', () => {
  it('page bytes before their rename, their folders and the shard folder before the head, the head last', async () => {
    const { site, run } = await blog();
    await run({ mode: 'build', now: T0 });
    const old = await site.read(PAGE);
    const generation = (await site.manifest()).generation;
    const md = await site.read('content/posts/hello-world.md');
    await site.write('content/posts/hello-world.md', md.replace('This blog', 'This edited blog'));

    const { durability, flushes } = recorder(site.root);
    const r = await run({ ...regenOf(['/blog/hello-world/'], T0 + 1000), durability });
    expect(r.written).toContain('blog/hello-world/index.html');
    const isr = path.join(site.root, '.isr');
    const pageDir = path.join(site.root, 'dist/blog/hello-world');

    // 1: the staged page and the manifest's temp files, while the old page is still published.
    const [first] = flushes;
    expect(first!.page).toBe(old);
    expect(first!.paths.some((p) => p.startsWith(pageDir + path.sep) && p.endsWith('.isr-tmp'))).toBe(true);
    expect(first!.paths.some((p) => p.startsWith(isr + path.sep) && p.endsWith('.isr-tmp'))).toBe(true);
    // 2: the folder of the renamed page, now new, before the manifest is published.
    const dirFlush = flushes.findIndex((f) => f.paths.includes(pageDir));
    expect(dirFlush).toBe(1);
    expect(flushes[1]!.page).toContain('This edited blog');
    expect(flushes[1]!.head).toBe(generation);
    // The shard folder in that same flush, before the head's rename; then the head's folder.
    const shards = flushes.findIndex((f) => f.paths.includes(path.join(isr, 'manifest-pages')));
    const headDir = flushes.findIndex((f) => f.paths.includes(isr));
    expect(shards).toBe(1);
    expect(flushes[shards]!.head).toBe(generation);
    expect(headDir).toBeGreaterThan(shards);
    expect(flushes[headDir]!.head).toBe(generation + 1);
  });

  it('a first build flushes every file of its staged folder before renaming it into place', async () => {
    const { site, run } = await blog();
    const { durability, flushes } = recorder(site.root);
    const r = await run({ mode: 'build', now: T0, durability });
    const [first, second] = flushes;
    expect(first!.page).toBeUndefined();
    expect(existsSync(path.join(site.root, 'dist'))).toBe(true);
    const files = first!.paths.filter((p) => p.endsWith('.html') || p.endsWith('.xml') || p.endsWith('_headers') || p.endsWith('.css'));
    expect(files.length).toBe(r.written.length);
    expect(second!.paths).toContain(site.root); // the output folder's new entry in its parent
    expect(second!.page).toBeDefined();
  });
});

describe('fsyncDurability', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('flushes a few paths one by one and many at once, and fails on a file it cannot flush', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'isr-durable-'));
    const files = Array.from({ length: 200 }, (_, i) => {
      mkdirSync(path.join(dir, `d${i % 10}`), { recursive: true });
      const f = path.join(dir, `d${i % 10}`, `f${i}`);
      writeFileSync(f, String(i));
      return f;
    });
    const d = fsyncDurability([dir]);
    await d.flush(files.slice(0, 3));
    await d.flush([path.join(dir, 'd0')]);
    await d.flush(files);
    await expect(d.flush([path.join(dir, 'missing')])).rejects.toThrow(/ENOENT/);
  });
});
