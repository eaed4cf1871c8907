import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

/** Every .ts file under src/, relative to src/. */
function sourceFiles(dir = path.join(REPO, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.relative(path.join(REPO, 'src'), path.join(dir, e.name))]
        : [],
  );
}

describe('layering of src/', () => {
  it('only the CLI and the commands import from commands/ (serve, run and the rest sit below them)', () => {
    const offenders = sourceFiles()
      .filter((f) => !f.startsWith(`commands${path.sep}`) && f !== 'cli.ts')
      .filter((f) => /from '(\.\.\/)+commands\//.test(readFileSync(path.join(REPO, 'src', f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
