import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareFiles, type FileEvent } from '../../src/sources/snapshot.js';

/**
 * The files snapshot (sources/snapshot.ts) read in step with the listing: whatever mix of edits,
 * adds, deletions, renames, touches and listing orders, the events are exactly what changed, and
 * a snapshot compared with the folder it was taken of reports nothing (and is the same object).
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'isr-snapshot-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A seeded generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const listing = (names: Iterable<string>) => [...names].sort().map((n) => [`content/${n}`, path.join(dir, n)] as const);
const sortEvents = (e: [string, FileEvent][]) => [...e].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

describe('compareFiles', () => {
  it('reports exactly what a random mix of edits, adds, deletions, renames and touches changed', async () => {
    const rnd = random(18);
    const files = new Map<string, string>();
    for (let i = 0; i < 60; i++) files.set(`p${String(i).padStart(3, '0')}.md`, `body ${i}`);
    for (const [n, b] of files) await writeFile(path.join(dir, n), b);
    let snap = compareFiles(listing(files.keys()), undefined).snapshot;
    for (let round = 0; round < 25; round++) {
      const expected = new Map<string, FileEvent>();
      for (let k = 0; k < 1 + Math.floor(rnd() * 6); k++) {
        const names = [...files.keys()];
        const name = names[Math.floor(rnd() * names.length)]!;
        const op = Math.floor(rnd() * 5);
        if (op === 0 && !expected.has(name)) {
          files.set(name, `${files.get(name)} edited ${round}`);
          await writeFile(path.join(dir, name), files.get(name)!);
          expected.set(name, 'change');
        } else if (op === 1) {
          const added = `n${round}-${k}.md`;
          files.set(added, `new ${round} ${k}`);
          await writeFile(path.join(dir, added), files.get(added)!);
          expected.set(added, 'add');
        } else if (op === 2 && !expected.has(name)) {
          files.delete(name);
          await rm(path.join(dir, name));
          expected.set(name, 'unlink');
        } else if (op === 3 && !expected.has(name)) {
          const to = `r${round}-${k}.md`;
          files.set(to, files.get(name)!);
          files.delete(name);
          await rename(path.join(dir, name), path.join(dir, to));
          expected.set(name, 'unlink');
          expected.set(to, 'add');
        } else if (op === 4 && !expected.has(name)) {
          const later = new Date(Date.now() + 1000 * (round + 1));
          await utimes(path.join(dir, name), later, later); // a touch: no change
        }
      }
      // Half the rounds list the folder in another order (another platform's sort).
      const list = listing(files.keys());
      if (round % 2) list.reverse();
      const r = compareFiles(list, snap);
      expect(r.unusable).toBe(false);
      expect(r.complete).toBe(true);
      expect(sortEvents(r.events), `round ${round}`).toEqual(sortEvents([...expected].map(([n, e]) => [`content/${n}`, e])));
      snap = r.snapshot;
      const again = compareFiles(listing(files.keys()), snap);
      expect(again.events).toEqual([]);
    }
  });

  it('hands back the very snapshot it was given when nothing changed (isr then does not rewrite it)', async () => {
    for (const n of ['a.md', 'b.md']) await writeFile(path.join(dir, n), n);
    // Stat'ed a minute after they were written: files written just now are "racy" (isRacy) and
    // hashed again by the next run, so their snapshot is rewritten once (file-snapshot-racy.test.ts).
    const later = Date.now() + 60_000;
    const first = compareFiles(listing(['a.md', 'b.md']), undefined, undefined, later);
    expect(first.complete).toBe(false);
    const second = compareFiles(listing(['a.md', 'b.md']), first.snapshot, undefined, later);
    expect(second.snapshot).toBe(first.snapshot);
  });

  it('tells a change of the part a listing shows from a change of the rest only (split)', async () => {
    const split = (bytes: Buffer): [string, string] => {
      const [head, ...rest] = bytes.toString().split('|');
      return [head!, rest.join('|')];
    };
    for (const n of ['a.md', 'b.md']) await writeFile(path.join(dir, n), 'title|body');
    const first = compareFiles(listing(['a.md', 'b.md']), undefined, split);
    await writeFile(path.join(dir, 'a.md'), 'title|new body');
    await writeFile(path.join(dir, 'b.md'), 'new title|body');
    expect(compareFiles(listing(['a.md', 'b.md']), first.snapshot, split).events).toEqual([
      ['content/a.md', 'body'],
      ['content/b.md', 'change'],
    ]);
  });

  it('keeps names with a tab, a newline or a backslash apart', async () => {
    const names = ['a\tb.md', 'a\nb.md', 'a\\b.md', 'a b.md'];
    for (const n of names) await writeFile(path.join(dir, n), n);
    const first = compareFiles(listing(names), undefined);
    await writeFile(path.join(dir, 'a\nb.md'), 'edited');
    await rm(path.join(dir, 'a\\b.md'));
    const r = compareFiles(listing(names.filter((n) => n !== 'a\\b.md')), first.snapshot);
    expect(sortEvents(r.events)).toEqual(
      sortEvents([
        ['content/a\nb.md', 'change'],
        ['content/a\\b.md', 'unlink'],
      ]),
    );
  });

  it('reads a version-1 snapshot (one object per file) without reporting everything', async () => {
    for (const n of ['a.md', 'b.md']) await writeFile(path.join(dir, n), n);
    const v3 = compareFiles(listing(['a.md', 'b.md']), undefined).snapshot;
    const v1 = { version: 1, files: {} as Record<string, unknown> };
    for (const line of v3.files.split('\n').filter(Boolean)) {
      const [key, size, mtimeMs, , ino, hash] = line.split('\t');
      v1.files[key!] = { size: Number(size), mtimeMs: Number(mtimeMs), ino: Number(ino), hash: hash!.slice(0, 16) };
    }
    await writeFile(path.join(dir, 'b.md'), 'edited');
    const r = compareFiles(listing(['a.md', 'b.md']), v1);
    expect(r.unusable).toBe(false);
    expect(r.events).toEqual([['content/b.md', 'change']]);
  });
});
