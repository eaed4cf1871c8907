import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';

// Issue 16 item 12: a build without its manifest over an identical output folder rewrites nothing.
const now = '2026-01-01T00:00:00Z';
const built = builtOnce('blog', { now, flags: ['--json'] });

function inodes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(path.join(e.parentPath, e.name), statSync(path.join(e.parentPath, e.name)).ino);
  }
  return out;
}

describe('isr build after rm -rf .isr over the same output', () => {
  it('reports every file unchanged and rewrites none', async () => {
    const site = await built.copy();
    const first = JSON.parse(built.result.stdout);
    expect(first.written.length).toBeGreaterThan(5);
    const before = inodes(path.join(site.root, 'dist'));

    rmSync(path.join(site.root, '.isr'), { recursive: true });
    const r = await site.run(['build', '--json'], { now });
    expect(r.code).toBe(0);
    const second = JSON.parse(r.stdout);
    expect(second.written).toEqual([]);
    // Every page file is reported unchanged (site files are compared but not listed).
    const pageFiles = first.written.filter((f: string) => f.endsWith('.html') || f.endsWith('.xml'));
    expect(second.unchanged.sort()).toEqual(pageFiles.filter((f: string) => f !== 'sitemap.xml').sort());
    // Not one file was replaced (a rename would give it a new inode).
    expect(inodes(path.join(site.root, 'dist'))).toEqual(before);
  });

  it('still writes a page whose bytes on disk differ', async () => {
    const site = await built.copy();
    rmSync(path.join(site.root, '.isr'), { recursive: true });
    await site.write('dist/feed.xml', 'tampered');
    const second = JSON.parse((await site.run(['build', '--json'], { now })).stdout);
    expect(second.written).toEqual(['feed.xml']);
    expect(await site.read('dist/feed.xml')).not.toBe('tampered');
  });
});
