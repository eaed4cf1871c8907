import type { Eta } from 'eta';

/**
 * Eta reports parse errors with a line but no file, and JavaScript syntax errors inside tags with
 * neither. These helpers recover "which line of which template" so errors read `file:line`.
 */

export function locateSyntaxError(eta: Eta, text: string, file: string, err: unknown): { line?: number; message: string } {
  const msg = (err as Error).message ?? String(err);
  const parse = /^(.*?) at line (\d+) col \d+/.exec(msg);
  if (parse) return { line: Number(parse[2]), message: parse[1]! };
  // A JS syntax error in a tag: compile Eta's debug output (which marks template lines with
  // `__eta.line=N`) through vm, whose SyntaxError carries the generated line.
  const debugEta = eta.withConfig({ debug: true });
  let code: string;
  try {
    code = debugEta.compileToString.call(debugEta, text, { filepath: file });
  } catch {
    return { message: firstLine(msg) };
  }
  const jsMessage = /Bad template syntax\s+([^\n]+)/.exec(msg)?.[1] ?? firstLine(msg);
  try {
    // node:vm loaded on this error path only (start-up of every run).
    const vm = process.getBuiltinModule('node:vm');
    new vm.Script(`(function(it, options){\n${code}\n})`, { filename: 'template.js' });
  } catch (e) {
    const gen = /template\.js:(\d+)/.exec((e as Error).stack ?? '');
    if (gen) {
      const lines = `(function(it, options){\n${code}`.split('\n');
      for (let i = Number(gen[1]) - 1; i >= 0; i--) {
        const m = /__eta\.line=(\d+)/.exec(lines[i] ?? '');
        if (m) return { line: Number(m[1]), message: jsMessage };
      }
    }
  }
  return { message: jsMessage };
}

export function locateRuntimeError(rerender: () => unknown, original: unknown): { file?: string; line?: number; message: string } {
  const base = firstLine((original as Error)?.message ?? String(original));
  try {
    rerender();
  } catch (e) {
    // Eta's RuntimeErr message: "<file>:<line>\n<context>\n\n<original message>".
    const m = /^(.*):(\d+)\n/.exec((e as Error).message ?? '');
    if (m) return { file: m[1], line: Number(m[2]), message: base };
  }
  return { message: base };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? s;
}
