import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

// `isr init` ships templates/starter; the README builds fixtures/blog. They are the same site
// (kept as two copies because only templates/ is published), so a fix to one must reach the other.
describe('the starter site and the example blog', () => {
  it('have the same templates, content and config (but for the header comment)', async () => {
    const a = path.join(REPO, 'fixtures/blog');
    const b = path.join(REPO, 'templates/starter');
    const files = await fg(['templates/**', 'content/**', 'public/**'], { cwd: a });
    expect(files.length).toBeGreaterThan(5);
    expect((await fg(['templates/**', 'content/**', 'public/**'], { cwd: b })).sort()).toEqual(files.sort());
    for (const f of files) expect(await readFile(path.join(b, f), 'utf8'), f).toBe(await readFile(path.join(a, f), 'utf8'));
    const body = async (dir: string) => (await readFile(path.join(dir, 'isr.config.mjs'), 'utf8')).split('\n').slice(2).join('\n');
    expect(await body(b)).toBe(await body(a));
  });
});
