/**
 * Expected errors: each has a stable code, a message saying what happened and where, and a hint
 * saying what to do. The CLI prints them as one line and exits with the code's exit status; any
 * other thrown value is a bug and gets a stack trace.
 */

/** Exit statuses, documented in the README's CLI reference. */
export const EXIT = {
  ok: 0,
  /** Some pages failed to load or render (others were written). */
  pageFailed: 1,
  /** Bad command-line flag or value. */
  usage: 2,
  /** Config missing, unloadable or invalid. */
  config: 3,
  /** Template missing or with a syntax error. */
  template: 4,
  /** Content or loader output that cannot be built (bad front matter, bad params, clashes). */
  input: 5,
  /** Manifest missing, corrupt or of another version. */
  manifest: 6,
  /** Output could not be written (permissions, full disk). */
  io: 7,
  /** Another isr run holds the lock (or took it over from this one: nothing was published). */
  locked: 75,
  /** A bug in isr. */
  internal: 70,
} as const;

export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD'
  | 'CONFIG_INVALID'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_SYNTAX'
  | 'TEMPLATE_RENDER'
  | 'FRONT_MATTER'
  | 'CONTENT_UNREADABLE'
  | 'BAD_PARAMS'
  | 'BAD_LOAD_RESULT'
  | 'DUPLICATE_OUTPUT'
  | 'LOAD_FAILED'
  | 'PATHS_FAILED'
  | 'NO_ROUTE'
  | 'BAD_PATH'
  | 'HTTP_SOURCE'
  | 'MANIFEST_MISSING'
  | 'MANIFEST_CORRUPT'
  | 'LOCKED'
  | 'WRITE_FAILED'
  | 'USAGE'
  | 'CONTENT_LIMIT'
  | 'BAD_PROPS'
  | 'PAGE_UNWRITABLE'
  | 'LOCK_LOST'
  | 'PRECONDITION_FAILED'
  | 'S3_AUTH'
  | 'S3_NO_BUCKET'
  | 'S3_UNREACHABLE'
  | 'S3_FAILED'
  | 'S3_NO_CONDITIONAL_WRITES';

const exitFor: Record<ErrorCode, number> = {
  CONFIG_NOT_FOUND: EXIT.config,
  CONFIG_LOAD: EXIT.config,
  CONFIG_INVALID: EXIT.config,
  TEMPLATE_NOT_FOUND: EXIT.template,
  TEMPLATE_SYNTAX: EXIT.template,
  TEMPLATE_RENDER: EXIT.pageFailed,
  FRONT_MATTER: EXIT.input,
  CONTENT_UNREADABLE: EXIT.input,
  BAD_PARAMS: EXIT.input,
  BAD_LOAD_RESULT: EXIT.input,
  DUPLICATE_OUTPUT: EXIT.input,
  LOAD_FAILED: EXIT.pageFailed,
  PATHS_FAILED: EXIT.pageFailed,
  NO_ROUTE: EXIT.pageFailed,
  BAD_PATH: EXIT.pageFailed,
  HTTP_SOURCE: EXIT.pageFailed,
  MANIFEST_MISSING: EXIT.manifest,
  MANIFEST_CORRUPT: EXIT.manifest,
  LOCKED: EXIT.locked,
  WRITE_FAILED: EXIT.io,
  USAGE: EXIT.usage,
  /** A content file over a bound (YAML size or aliases): that file's pages fail, the run goes on. */
  CONTENT_LIMIT: EXIT.pageFailed,
  /** Props that are not JSON data (a BigInt, a cycle): that page fails. */
  BAD_PROPS: EXIT.pageFailed,
  PAGE_UNWRITABLE: EXIT.pageFailed,
  LOCK_LOST: EXIT.locked,
  /** A conditional write of the store found another version than the one read: another writer
   * published meanwhile, so this run published nothing over it (run again). */
  PRECONDITION_FAILED: EXIT.locked,
  /** The S3 store's endpoint refused the credentials (or there are none): fix the environment. */
  S3_AUTH: EXIT.config,
  /** The configured bucket does not exist at the endpoint. */
  S3_NO_BUCKET: EXIT.config,
  /** The endpoint did not answer within the bounded tries: nothing was published. */
  S3_UNREACHABLE: EXIT.io,
  /** Any other refusal of an S3 request (the code and message S3 gave are in the line). */
  S3_FAILED: EXIT.io,
  /** The store ignores If-Match / If-None-Match, so the lease and the commit point would not hold. */
  S3_NO_CONDITIONAL_WRITES: EXIT.config,
};

export interface IsrErrorOptions {
  /** What to do about it. */
  hint?: string;
  /** File at fault (relative to the site root when possible). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  cause?: unknown;
}

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

  get exitCode(): number {
    return exitFor[this.code];
  }

  /** `file:line: message (hint)` on one line: the form the CLI prints and the manifest records. */
  toLine(): string {
    const where = this.file ? `${this.file}${this.line ? `:${this.line}` : ''}: ` : '';
    const hint = this.hint ? ` (${this.hint})` : '';
    return `${where}${oneLine(this.message)}${hint}`;
  }
}

/** Errors whose cause is the site's input (abort the run before anything is published). */
export function isInputError(err: unknown): err is IsrError {
  return err instanceof IsrError && [EXIT.input, EXIT.template, EXIT.config].includes(err.exitCode as 3);
}

/**
 * Errors that stop the whole run before anything is published: bad input, and output that cannot
 * be written (a full disk fails every page after it; recording each as a page failure would
 * publish a partial site and put pages that are fine on retry backoff).
 */
export function abortsRun(err: unknown): err is IsrError {
  return isInputError(err) || (err instanceof IsrError && err.code === 'WRITE_FAILED');
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
  return new IsrError('WRITE_FAILED', `cannot write ${what}: ${code}${e.message}`, {
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
  return new IsrError('PAGE_UNWRITABLE', `cannot write ${rel}: ${code}`, {
    hint:
      code === 'ENAMETOOLONG' || code === 'EILSEQ' || code === 'EINVAL'
        ? 'the file system refuses this name; give the page shorter or plainer params'
        : 'a file or folder of that name is in the way; remove it or change the route',
    cause: err,
  });
}

/** Thrown for states that cannot happen unless isr has a bug. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant: ${message}`);
}
