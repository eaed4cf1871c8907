/**
 * Every dynamic import of the bundle goes through importModule() (src/import-module.ts): on Node
 * 20, dist/isr.cjs runs from V8's code cache, where a plain `import()` rejects ("A dynamic import
 * callback was not specified") — and only there, so a test of the feature that needs it could
 * pass on a machine whose cache happens to be cold. The built bundle is read, so type-only
 * `import('x')` in src/ does not count.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

it('leaves one import() in dist/isr.cjs: importModule’s default, which the loader replaces', () => {
  const bundle = readFileSync(path.join(REPO, 'dist/isr.cjs'), 'utf8');
  const calls = bundle.split('\n').filter((line) => /(?<![\w$.])import\(/.test(line));
  expect(calls.map((l) => l.trim())).toEqual(['importer = (specifier) => import(specifier);']);
});
