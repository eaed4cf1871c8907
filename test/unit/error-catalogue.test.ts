import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abortsRun, CATALOGUE, type ErrorCode, EXIT, IsrError, isInputError, isrError } from '../../src/errors.js';
import { REPO } from '../helpers/site.js';

const codes = Object.keys(CATALOGUE) as ErrorCode[];

/** Every .ts file under src/, as [path relative to the repo, text]. */
function sources(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.ts')) out.push([path.relative(REPO, abs), readFileSync(abs, 'utf8')]);
    }
  };
  walk(path.join(REPO, 'src'));
  return out;
}

/** The codes src/ builds errors with: `new IsrError('X'`, `isrError('X'` (the code may be on the next line). */
function thrownCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [file, text] of sources()) {
    for (const m of text.matchAll(/\b(?:new IsrError|isrError)\(\s*'([A-Z_]+)'/g)) found.set(m[1]!, [...(found.get(m[1]!) ?? []), file]);
  }
  return found;
}

/** The README's exit-code table: exit status → the error codes its third column lists. */
function readmeExitTable(): Map<number, string[]> {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Exit codes'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| code |')));
  const rows = new Map<number, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (!/^\d/.test(cells[1] ?? '')) continue;
    const listed = [...(cells[3] ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
    for (const status of cells[1]!.split(',')) rows.set(Number(status), listed);
  }
  return rows;
}

describe('the error catalogue', () => {
  it('has a row for every code thrown in src/', () => {
    const thrown = thrownCodes();
    expect(thrown.size).toBeGreaterThan(15); // the search itself still finds the throw sites
    const missing = [...thrown.keys()].filter((c) => !(c in CATALOGUE)).map((c) => `${c} (${thrown.get(c)!.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('gives every code a title, a hint and an exit status of the documented set', () => {
    const statuses = new Set<number>(Object.values(EXIT));
    for (const code of codes) {
      const spec = CATALOGUE[code];
      expect(spec.title.trim(), code).not.toBe('');
      expect(spec.hint.trim(), code).not.toBe('');
      expect(statuses.has(spec.exit), code).toBe(true);
      expect([EXIT.ok, EXIT.internal], code).not.toContain(spec.exit);
    }
  });

  it('has input errors stop the run (isr serve retries without the page only because of that)', () => {
    for (const code of codes) if (CATALOGUE[code].input) expect(CATALOGUE[code].abortsRun, code).toBe(true);
  });

  it('builds the errors of a code with a template only from that template, never from free text', () => {
    const templated = codes.filter((c) => 'message' in CATALOGUE[c]);
    expect(templated.length).toBeGreaterThan(0);
    const free = sources().flatMap(([file, text]) =>
      templated.filter((c) => new RegExp(`new IsrError\\(\\s*'${c}'`).test(text)).map((c) => `${file}: ${c}`),
    );
    expect(free).toEqual([]);
  });

  it('matches the README exit-code table, code for code', () => {
    const table = readmeExitTable();
    for (const status of Object.values(EXIT)) expect(table.has(status), `exit ${status} in the README`).toBe(true);
    for (const [status, listed] of table) {
      const expected = codes.filter((c) => CATALOGUE[c].exit === status).sort();
      expect([...listed].sort(), `README row for exit ${status}`).toEqual(expected);
    }
  });
});

describe('classifying an IsrError', () => {
  it('reads the catalogue, not the exit status', () => {
    for (const code of codes) {
      const err = new IsrError(code, 'x');
      expect(err.exitCode, code).toBe(CATALOGUE[code].exit);
      expect(abortsRun(err), code).toBe(CATALOGUE[code].abortsRun);
      expect(isInputError(err), code).toBe(CATALOGUE[code].input);
    }
    expect(abortsRun(new Error('x'))).toBe(false);
    expect(isInputError(new Error('x'))).toBe(false);
  });

  it('builds a templated message from its arguments, with the catalogue hint unless the site gives one', () => {
    const locked = isrError('LOCKED', ['isr regen, pid 7 on ci-1'], { file: '.isr/lock' });
    expect(locked.toLine()).toBe(
      '.isr/lock: another isr run holds the lock (isr regen, pid 7 on ci-1) (wait for it to finish, or pass --wait SECONDS)',
    );
    expect(locked.exitCode).toBe(75);
    expect(isrError('WRITE_FAILED', ['the manifest', 'EACCES'], { hint: 'check .isr/' }).toLine()).toBe(
      'cannot write the manifest: EACCES (check .isr/)',
    );
  });

  it('fails only its page for a code it does not know (a load() in plain JavaScript may throw any)', () => {
    const err = new IsrError('NOT_A_CODE' as ErrorCode, 'the CMS is down');
    expect(err.exitCode).toBe(EXIT.pageFailed);
    expect(abortsRun(err)).toBe(false);
    expect(isInputError(err)).toBe(false);
  });

  it('prints an error thrown without a hint without one (a load() may throw IsrError itself)', () => {
    expect(new IsrError('LOAD_FAILED', 'the CMS is down').toLine()).toBe('the CMS is down');
  });
});
