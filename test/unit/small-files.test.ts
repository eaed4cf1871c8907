/**
 * Every source file stays under STYLE.md's "small files" bound (split past ~400 lines or ~16 KB),
 * and src/types.ts stays the one import point of the public types, so the package root still
 * exports every one of them.
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

/** Every .ts file under src/, relative to the repository. */
const SOURCES = (readdirSync(path.join(REPO, 'src'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `src/${f.split(path.sep).join('/')}`);

/** The names a module exports (types included), as TypeScript resolves them through re-exports. */
function exportedNames(checker: ts.TypeChecker, program: ts.Program, file: string): string[] {
  const source = program.getSourceFile(path.join(REPO, file));
  if (!source) throw new Error(`${file} is not in the program`);
  const symbol = checker.getSymbolAtLocation(source);
  return symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : [];
}

describe('small source files', () => {
  it('keeps every file of src/ under 400 lines and 16,000 bytes', () => {
    expect(SOURCES.length).toBeGreaterThan(100);
    const over = SOURCES.map((f) => ({ f, text: readFileSync(path.join(REPO, f), 'utf8') }))
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
