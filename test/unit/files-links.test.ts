import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { files } from '../../src/sources/files.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('links between the files of a files() source', () => {
  it('link to a file whose front matter is broken by the URL its path gives, without failing the page that links', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'isr-files-links-'));
    mkdirSync(path.join(root, 'content'));
    writeFileSync(path.join(root, 'content', 'a.md'), '---\ntitle: A\n---\nSee [b](b.md) and [c](c.md).\n');
    writeFileSync(path.join(root, 'content', 'b.md'), '---\ntitle: [unclosed\n---\nB\n');
    writeFileSync(path.join(root, 'content', 'c.md'), '---\npermalink: /elsewhere/c/\n---\nC\n');
    const warnings: string[] = [];
    const source = files({ dir: 'content', permalink: '/docs/:path/' });
    await source.setup!({ root, cacheDir: root, now: new Date(0), log: (_l, m) => warnings.push(m), base: '/' });
    const a = await source.get!({ id: 'a', track: () => {}, now: new Date(0) });
    expect(a?.url).toBe('/docs/a/');
    expect(a?.html).toBe('<p>See <a href="/docs/b/">b</a> and <a href="/elsewhere/c/">c</a>.</p>\n');
    expect(warnings).toEqual([]);
    await expect(source.get!({ id: 'b', track: () => {}, now: new Date(0) })).rejects.toThrow();
  });

  it('records every content file a page links to, there or not, so deleting, adding or moving it renders the page again', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'isr-files-links-'));
    mkdirSync(path.join(root, 'content', 'img'), { recursive: true });
    writeFileSync(path.join(root, 'content', 'a.md'), '[b](b.md#x) [gone](gone.md) [img](img/p.png) [out](https://e.com/c.md)\n');
    writeFileSync(path.join(root, 'content', 'b.md'), 'B\n');
    writeFileSync(path.join(root, 'content', 'img', 'p.png'), 'png');
    for (const resources of [false, true]) {
      const source = files({ dir: 'content', resources });
      await source.setup!({ root, cacheDir: root, now: new Date(0), log: () => {}, base: '/' });
      const tags: string[] = [];
      await source.get!({ id: 'a', track: (t) => tags.push(t), now: new Date(0) });
      expect(tags.sort(), String(resources)).toEqual(['file:content/a.md', 'file:content/b.md', 'file:content/gone.md']);
    }
  });
});
