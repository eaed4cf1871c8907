import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrontMatterCache } from '../../src/sources/front-matter-cache.js';
import { compareFiles, RACY_MS, statLine } from '../../src/sources/snapshot.js';

// "Racy" files (git's word): a file written within a tick of the file system's clock of the moment
// its stat is taken can be written again in that same tick with the same size and keep exactly
// that stat, so the stat cannot vouch for its bytes. Its snapshot line matches no stat (the next
// run hashes it), and the front-matter cache does not keep it. The clock is passed in.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'isr-racy-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const listing = (names: string[]) => names.map((n) => [`content/${n}`, path.join(dir, n)] as const);
/** The snapshot with a.md's recorded hashes replaced: only a run that reads a.md can tell. */
const forgeA = (files: string) => files.replace(/^(content\/a\.md\t[^\n]*\t)[A-Za-z0-9_-]{32}$/m, `$1${'x'.repeat(32)}`);

describe('a file written just before its stat is taken', () => {
  it('is read and hashed again by the next run, though its stat did not change', async () => {
    await writeFile(path.join(dir, 'a.md'), 'one');
    const ctime = (await stat(path.join(dir, 'a.md'))).ctimeMs;
    const first = compareFiles(listing(['a.md']), undefined, undefined, ctime + RACY_MS / 2);
    const r = compareFiles(listing(['a.md']), { ...first.snapshot, files: forgeA(first.snapshot.files) }, undefined, ctime + 60_000);
    expect(r.events).toEqual([['content/a.md', 'change']]);
  });

  it('is trusted by its stat once it was stat’ed past the racy window', async () => {
    await writeFile(path.join(dir, 'a.md'), 'one');
    const ctime = (await stat(path.join(dir, 'a.md'))).ctimeMs;
    const first = compareFiles(listing(['a.md']), undefined, undefined, ctime + RACY_MS * 2);
    const r = compareFiles(listing(['a.md']), { ...first.snapshot, files: forgeA(first.snapshot.files) }, undefined, ctime + 60_000);
    expect(r.events).toEqual([]);
  });

  it('is not kept by the front-matter cache', async () => {
    const file = path.join(dir, 'cache');
    await writeFile(path.join(dir, 'a.md'), 'one');
    const st = await stat(path.join(dir, 'a.md'));
    const line = `content/a.md\t${statLine(st)}\t`;
    const write = (now: number) => {
      const cache = new FrontMatterCache(file, () => {});
      cache.put('content/a.md', statLine(st), { title: 'One' }, now);
      cache.save(['content/a.md']);
      return new FrontMatterCache(file, () => {}).get(line);
    };
    expect(write(st.ctimeMs + RACY_MS / 2)).toBeUndefined();
    expect(write(st.ctimeMs + RACY_MS * 2)).toEqual({ title: 'One' });
  });
});
