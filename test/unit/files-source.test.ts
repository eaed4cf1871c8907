import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { files } from '../../src/sources/files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function site(posts: Record<string, string>) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'isr-files-'));
  dirs.push(root);
  mkdirSync(path.join(root, 'content'));
  for (const [name, text] of Object.entries(posts)) writeFileSync(path.join(root, 'content', name), text);
  const source = files({ dir: 'content' });
  source.setup!({ root, cacheDir: root, now: new Date(0), log: () => {} });
  const tags: string[] = [];
  const ctx = { track: (t: string) => void tags.push(t), now: new Date(0) };
  return {
    root,
    tags,
    list: () => source.list!(ctx),
    get: (id: string) => source.get!({ ...ctx, id }),
    write: (name: string, text: string) => writeFileSync(path.join(root, 'content', name), text),
  };
}

describe('files source', () => {
  it('lists front matter and gives the body and its HTML on get', async () => {
    const s = site({ 'hello.md': '---\ntitle: Hello\ntags: [a, b]\n---\nSome *text*.\n' });
    const [entry] = await s.list();
    expect(entry).toEqual({
      id: 'hello',
      slug: 'hello',
      file: 'content/hello.md',
      url: '/hello/',
      data: { title: 'Hello', tags: ['a', 'b'] },
    });
    const got = await s.get('hello');
    expect(got?.content).toBe('Some *text*.\n');
    expect(got?.html).toBe('<p>Some <em>text</em>.</p>\n');
    expect(s.tags).toEqual(['files:content', 'file:content/hello.md']);
  });

  it('gives the same body to a second get of the same file (read again once handed out)', async () => {
    const s = site({ 'a.md': '---\ntitle: A\n---\nFirst.\n' });
    await s.list();
    expect((await s.get('a'))?.content).toBe('First.\n');
    s.write('a.md', '---\ntitle: A\n---\nSecond.\n');
    expect((await s.get('a'))?.content).toBe('Second.\n');
  });

  it('keeps bodies read by list() up to a budget and reads the files past it again on get', async () => {
    // 40 files of 1 MB: list() keeps about the first 32 bodies, so a change made on disk after the
    // listing shows for the last files and not for the first (the listing's snapshot).
    const big = 'word '.repeat(200_000);
    const names = Array.from({ length: 40 }, (_, i) => `p${String(i).padStart(2, '0')}.md`);
    const s = site(Object.fromEntries(names.map((n) => [n, `---\ntitle: ${n}\n---\n${big}`])));
    await s.list();
    for (const n of names) s.write(n, `---\ntitle: ${n}\n---\nedited`);
    const bodies = await Promise.all(names.map(async (n) => (await s.get(n.slice(0, -3)))!.content!));
    const kept = bodies.filter((b) => b === big).length;
    expect(kept).toBeGreaterThanOrEqual(30);
    expect(kept).toBeLessThan(40);
    expect(bodies.slice(kept).every((b) => b === 'edited')).toBe(true);
  });

  it('returns undefined for an id outside the folder or missing, and depends on the collection', async () => {
    const s = site({ 'a.md': 'x' });
    expect(await s.get('../secret')).toBeUndefined();
    expect(await s.get('nope')).toBeUndefined();
    expect(s.tags).toContain('files:content');
  });

  it('lists content files in nested folders, skipping dotfiles, dot-folders and other files, following symlinked folders', async () => {
    const s = site({ 'a.md': 'a', 'b.json': '{"title":"B"}', 'c.yaml': 'title: C', 'notes.txt': 'x', '.hidden.md': 'h', 'Upper.MD': 'u' });
    mkdirSync(path.join(s.root, 'content', '2024', 'deep'), { recursive: true });
    writeFileSync(path.join(s.root, 'content', '2024', 'deep', 'd.markdown'), 'd');
    mkdirSync(path.join(s.root, 'content', '.drafts'));
    writeFileSync(path.join(s.root, 'content', '.drafts', 'e.md'), 'e');
    mkdirSync(path.join(s.root, 'shared'));
    writeFileSync(path.join(s.root, 'shared', 'f.yml'), 'title: F');
    symlinkSync(path.join(s.root, 'shared'), path.join(s.root, 'content', 'linked'));
    // A link back to the folder itself is walked once, not forever.
    symlinkSync(path.join(s.root, 'content'), path.join(s.root, 'content', 'loop'));
    // A link to a file is that file; a FIFO with a content name is not a file.
    symlinkSync(path.join(s.root, 'shared', 'f.yml'), path.join(s.root, 'content', 'g.yml'));
    execFileSync('mkfifo', [path.join(s.root, 'content', 'pipe.md')]);
    expect((await s.list()).map((e) => e.id)).toEqual(['2024/deep/d', 'a', 'b', 'c', 'g', 'linked/f']);
  });

  it('refuses to list a folder holding a broken symlink, as an unreadable folder', async () => {
    const s = site({ 'a.md': 'a' });
    symlinkSync(path.join(s.root, 'nowhere'), path.join(s.root, 'content', 'gone'));
    await expect(s.list()).rejects.toMatchObject({ code: 'CONTENT_UNREADABLE' });
  });
});
