/**
 * Expected errors: each has a stable code, a message saying what happened and where, and a hint
 * saying what to do. The CLI prints them as one line and exits with the code's exit status.
 * Bugs are `InternalError`s (or any other thrown value): those get a stack trace.
 *
 * `CATALOGUE` (errors-data.ts) is the one table of codes (the shape of Astro's `core/errors/errors-data.ts`): what
 * each means, its exit status, whether it stops the run or only fails its page, whether the
 * site's input is at fault, a message template when every throw site says the same thing, and a
 * hint. test/unit/error-catalogue.test.ts checks it against the codes thrown in src/ and against
 * the README's exit-code table.
 */

import { CATALOGUE, type ErrorCode, type ErrorSpec, EXIT } from './errors-data.js';

export { CATALOGUE, type ErrorCode, type ErrorSpec, EXIT };

/**
 * The row of a code the catalogue does not have: a plugin or a `load()` in plain JavaScript can
 * throw an IsrError with any code at all. Its page fails, as any error a load() throws does.
 */
const UNKNOWN_CODE: ErrorSpec = {
  title: 'an error with a code isr does not know (thrown by a data source or a load())',
  exit: EXIT.pageFailed,
  abortsRun: false,
  input: false,
  hint: 'throw IsrError with a code of the README exit-code table',
};

/** The codes whose message is the catalogue's template (built with `isrError`). */
export type TemplatedCode = { [C in ErrorCode]: (typeof CATALOGUE)[C] extends { message: unknown } ? C : never }[ErrorCode];
type TemplateArgs<C extends TemplatedCode> = (typeof CATALOGUE)[C] extends { message: (...args: infer A) => string } ? A : never;

export interface IsrErrorOptions {
  /** What to do about it (`isrError` defaults it to the catalogue's hint for the code). */
  hint?: string;
  /** File at fault (relative to the site root when possible). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  cause?: unknown;
}

/**
 * An expected error: the site's input, the environment or a flag is at fault, and the message
 * says what to do. Public (a `load()` may throw one to choose its code); isr's own throw sites
 * use `isrError` for the codes the catalogue has a message template for.
 */
export class IsrError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;

  constructor(code: ErrorCode, message: string, options: IsrErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IsrError';
    this.code = code;
    this.hint = options.hint;
    this.file = options.file;
    this.line = options.line;
  }

  get spec(): ErrorSpec {
    return CATALOGUE[this.code] ?? UNKNOWN_CODE;
  }

  get exitCode(): number {
    return this.spec.exit;
  }

  /** `file:line: message (hint)` on one line: the form the CLI prints and the manifest records. */
  toLine(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where}${oneLine(this.message)}${hint}`;
  }
}

/** An error of a code with a message template, its message built from `args`. */
export function isrError<C extends TemplatedCode>(code: C, args: TemplateArgs<C>, options?: IsrErrorOptions): IsrError {
  const template = CATALOGUE[code].message as (...a: TemplateArgs<C>) => string;
  return new IsrError(code, template(...args), { ...options, hint: options?.hint ?? CATALOGUE[code].hint });
}

/**
 * A bug in isr: a state that cannot happen unless the code is wrong. Never caught as a page's
 * failure; the CLI prints it with its stack and exits 70.
 */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/** Thrown for states that cannot happen unless isr has a bug. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(`Invariant: ${message}`);
}

/** Errors whose cause is the site's input (abort the run before anything is published). */
export function isInputError(err: unknown): err is IsrError {
  return err instanceof IsrError && err.spec.input;
}

/**
 * Errors that stop the whole run before anything is published: bad input, output that cannot be
 * written (a full disk fails every page after it; recording each as a page failure would publish
 * a partial site and put pages that are fine on retry backoff), a lost lock, a broken manifest.
 */
export function abortsRun(err: unknown): err is IsrError {
  return err instanceof IsrError && err.spec.abortsRun;
}

/** A thrown value as one line, for logs and the manifest's `error` field. */
export function describeError(err: unknown): string {
  if (err instanceof IsrError) return err.toLine();
  if (err instanceof Error) return oneLine(`${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`);
  return oneLine(String(err));
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * A failed file-system write as a WRITE_FAILED error: `what` says what could not be written
 * ("the manifest", "blog/x/index.html"); a full disk gets its own hint, anything else `otherwise`.
 */
export function writeFailed(what: string, err: unknown, otherwise: string, file?: string): IsrError {
  const e = err as NodeJS.ErrnoException;
  const code = e.code && !e.message.startsWith(e.code) ? `${e.code} ` : '';
  return isrError('WRITE_FAILED', [what, `${code}${e.message}`], {
    file,
    hint: e.code === 'ENOSPC' ? 'the disk is full; free space and run again' : otherwise,
    cause: err,
  });
}

/**
 * Write errors that belong to one path, not to the disk: a name too long for the file system,
 * bytes it cannot store in a name, a file where a folder must go (or the reverse). Any other
 * error is taken as a fault of the disk (full, read-only, no permission, I/O error, quota) that
 * would fail every page after it.
 */
const PER_PATH_WRITE_ERRORS = new Set(['ENAMETOOLONG', 'EILSEQ', 'ENOTDIR', 'EISDIR', 'EEXIST', 'EINVAL']);

/**
 * A failed write of one page's file: PAGE_UNWRITABLE (that page fails, the run goes on) when the
 * error is the path's own, else WRITE_FAILED (the run aborts, nothing is published).
 */
export function pageWriteFailed(rel: string, err: unknown): IsrError {
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !PER_PATH_WRITE_ERRORS.has(code)) return writeFailed(rel, err, 'check the output folder is writable');
  return isrError('PAGE_UNWRITABLE', [rel, code], {
    hint:
      code === 'ENAMETOOLONG' || code === 'EILSEQ' || code === 'EINVAL'
        ? 'the file system refuses this name; give the page shorter or plainer params'
        : 'a file or folder of that name is in the way; remove it or change the route',
    cause: err,
  });
}
