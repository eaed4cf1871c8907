/**
 * The files split along their seams for STYLE.md's "small files" rule (split past ~400 lines or
 * ~16 KB) stay split, and src/types.ts stays the one import point of the public types, so the
 * package root still exports every one of them.
 *
 * Only the files of that split are measured: the others still over the bound (plan-regen.ts,
 * sources/files.ts) are in areas other work is changing, and are left to it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/site.js';

const MAX_LINES = 400;
const MAX_BYTES = 16_000;

const typesDir = path.join(REPO, 'src/types');
const typeFiles = existsSync(typesDir) ? readdirSync(typesDir).map((f) => `src/types/${f}`) : [];

/** The four files that were over the bound, and the files they were split into. */
const SPLIT = [
  'src/types.ts',
  ...typeFiles,
  'src/serve/handle-request.ts',
  'src/serve/resolve-target.ts',
  'src/serve/responses.ts',
  'src/serve/render-now.ts',
  'src/serve/create-server.ts',
  'src/serve/regen-runner.ts',
  'src/serve/serve-webhook.ts',
  'src/serve/watch-wiring.ts',
  'src/manifest/lock.ts',
  'src/manifest/lock-owner.ts',
  'src/manifest/lock-held.ts',
];

/** The names a module exports (types included), as TypeScript resolves them through re-exports. */
function exportedNames(checker: ts.TypeChecker, program: ts.Program, file: string): string[] {
  const source = program.getSourceFile(path.join(REPO, file));
  if (!source) throw new Error(`${file} is not in the program`);
  const symbol = checker.getSymbolAtLocation(source);
  return symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : [];
}

describe('the split of the oversized files', () => {
  it('keeps each split file under 400 lines and 16,000 bytes', () => {
    const over = SPLIT.filter((f) => existsSync(path.join(REPO, f)))
      .map((f) => ({ f, text: readFileSync(path.join(REPO, f), 'utf8') }))
      .filter(({ text }) => text.split('\n').length > MAX_LINES || Buffer.byteLength(text) > MAX_BYTES)
      .map(({ f, text }) => `${f}: ${text.split('\n').length} lines, ${Buffer.byteLength(text)} bytes`);
    expect(over).toEqual([]);
  });

  it('exports from the package root every public type of src/types/, through src/types.ts', () => {
    expect(typeFiles.length, 'the public types live by area in src/types/').toBeGreaterThanOrEqual(6);
    const program = ts.createProgram([path.join(REPO, 'src/index.ts'), ...typeFiles.map((f) => path.join(REPO, f))], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    const root = new Set(exportedNames(checker, program, 'src/index.ts'));
    const viaTypes = new Set(exportedNames(checker, program, 'src/types.ts'));
    const declared = typeFiles.flatMap((f) => exportedNames(checker, program, f));
    expect(declared).toContain('UserConfig');
    expect(
      declared.filter((n) => !viaTypes.has(n)),
      'not re-exported by src/types.ts',
    ).toEqual([]);
    expect(
      declared.filter((n) => !root.has(n)),
      'not exported from the package root',
    ).toEqual([]);
  });
});
