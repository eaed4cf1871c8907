import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifestHead, summarize, writeManifest, type Manifest } from '../../src/manifest/manifest.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'isr-head-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifest = (): Manifest => ({
  version: 1,
  generator: 'isr test',
  updatedAt: 5,
  configHash: 'c1',
  templates: { 'post.eta': { hash: 'h1', deps: ['layout.eta'] } },
  routes: { post: { listedAt: 5, listRevalidate: false } },
  pages: {
    '/b/': { route: 'post', builtAt: 5, changedAt: 5, revalidate: 60, status: 'ok', templateHash: 't1' },
    '/a/': { route: 'post', builtAt: 5, changedAt: 5, revalidate: false, status: 'error', retryAt: 9, templateHash: 't2' },
  },
});

describe('manifest head and summary', () => {
  it('reads back everything but the pages, with a summary recomputed from the pages', async () => {
    const file = path.join(dir, 'manifest.json');
    const m = manifest();
    await writeManifest(file, { ...m, summary: { routes: {} } }); // a stale summary is never written
    const head = readManifestHead(file);
    const { pages, ...rest } = m;
    expect(head).toEqual({ ...rest, summary: summarize(pages) });
    expect(head!.summary).toEqual({ nextDueAt: 9, routes: { post: { pages: 2, templateHashes: ['t1', 't2'] } } });
    expect(JSON.parse(await readFile(file, 'utf8')).pages).toEqual(pages);
  });

  it('gives undefined (read the whole manifest) for no file, an older layout, or text it cannot read', async () => {
    const file = path.join(dir, 'manifest.json');
    expect(readManifestHead(file)).toBeUndefined();
    const { summary: _s, ...older } = { ...manifest(), summary: undefined };
    await writeFile(file, JSON.stringify(older, null, 2));
    expect(readManifestHead(file)).toBeUndefined();
    await writeFile(file, '{ "version": 1,\n  "pages": {\n');
    expect(readManifestHead(file)).toBeUndefined();
  });
});
