import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareFiles } from '../../src/sources/snapshot.js';

// Snapshot version 3 added the ctime to each stat line (an in-place write with the size and
// mtime put back was missed). A version 2 snapshot (size, mtime, inode) is compared by its own
// rule for the one run that upgrades it: its files are not all read and hashed again, and the
// new snapshot carries their hashes over with the ctime added.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'isr-snapshot-v2-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const listing = (names: string[]) => names.map((n) => [`content/${n}`, path.join(dir, n)] as const);
/** The version 2 form of a version 3 text: the ctime (fourth field) dropped from each line. */
const asVersion2 = (files: string) =>
  files
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split('\t');
      return `${[f[0], f[1], f[2], f[4], f[5]].join('\t')}\n`;
    })
    .join('');

describe('a version 2 files snapshot', () => {
  it('is compared by its own stat rule in the run that upgrades it: a file whose size, mtime and inode match is not read', async () => {
    for (const n of ['a.md', 'b.md']) await writeFile(path.join(dir, n), `---\ntitle: ${n}\n---\nbody\n`);
    // A minute after the writes: none of the files is racy (isRacy), so stat lines are trusted.
    const later = Date.now() + 60_000;
    const v3 = compareFiles(listing(['a.md', 'b.md']), undefined, undefined, later).snapshot;
    // a.md's recorded hashes are not its bytes' (as if it had been recorded from other bytes):
    // only a file that is read and hashed can tell, so no event for it shows it was not read.
    const bogus = 'x'.repeat(32);
    const v2text = asVersion2(v3.files).replace(/^(content\/a\.md\t[^\n]*\t)[A-Za-z0-9_-]{32}$/m, `$1${bogus}`);
    expect(v2text).toContain(bogus);
    await writeFile(path.join(dir, 'b.md'), '---\ntitle: edited\n---\nbody\n');
    const r = compareFiles(listing(['a.md', 'b.md']), { version: 2, files: v2text }, undefined, later);
    expect(r.unusable).toBe(false);
    expect(r.events).toEqual([['content/b.md', 'change']]);
    // Upgraded: version 3 lines (four numbers), a.md's hashes carried over.
    expect(r.snapshot.version).toBe(3);
    const a = r.snapshot.files.split('\n').find((l) => l.startsWith('content/a.md\t'))!;
    expect(a.split('\t')).toHaveLength(6);
    expect(a.endsWith(bogus)).toBe(true);
    // The next run, by the version 3 rule, takes it as it is.
    expect(compareFiles(listing(['a.md', 'b.md']), r.snapshot, undefined, later).events).toEqual([]);
  });

  it('is not taken for version 3: a line of the new form is never matched by the old rule', async () => {
    await writeFile(path.join(dir, 'a.md'), 'one');
    const v3 = compareFiles(listing(['a.md']), undefined).snapshot;
    await writeFile(path.join(dir, 'a.md'), 'two'); // same size: the ctime (and mtime) move
    const r = compareFiles(listing(['a.md']), v3);
    expect(r.events).toEqual([['content/a.md', 'change']]);
  });
});
