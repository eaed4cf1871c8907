/**
 * Expected errors: each has a stable code, a message saying what happened and where, and a hint
 * saying what to do. The CLI prints them as one line and exits with the code's exit status.
 * Bugs are `InternalError`s (or any other thrown value): those get a stack trace.
 *
 * `CATALOGUE` is the one table of codes (the shape of Astro's `core/errors/errors-data.ts`): what
 * each means, its exit status, whether it stops the run or only fails its page, whether the
 * site's input is at fault, a message template when every throw site says the same thing, and a
 * hint. test/unit/error-catalogue.test.ts checks it against the codes thrown in src/ and against
 * the README's exit-code table.
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

/** One row of the catalogue. */
export interface ErrorSpec {
  /** The situation in a few words (the README and the reader of a code see this). */
  title: string;
  /** Exit status of a command that this error ends. */
  exit: (typeof EXIT)[keyof typeof EXIT];
  /**
   * true: the whole run stops and nothing is published (raised inside a page, it aborts the run);
   * false: only the page or listing it belongs to fails, and the run goes on.
   */
  abortsRun: boolean;
  /**
   * The site's own input is at fault (config, template, content, loader output): the way out is
   * to fix it, and `isr serve` retries a run without the one page that raised it.
   */
  input: boolean;
  /**
   * The message built from the throw site's arguments, for codes whose every throw site says the
   * same thing (build those with `isrError`). Codes raised in many different situations (a flag,
   * a config key, an HTTP answer) take the message from the throw site, as Astro's optional
   * `message` does.
   */
  message?: (...args: never[]) => string;
  /**
   * What to do: the hint of the errors `isrError` builds (unless the throw site gives a more
   * precise one); for the other codes, the general advice a throw site's own hint narrows down
   * (an error thrown without a hint is printed without one, as before the catalogue).
   */
  hint: string;
}

/**
 * The catalogue. Add a code at the END (parallel branches merge more easily), with a hint and its
 * exit status also in the README's exit-code table.
 */
export const CATALOGUE = {
  CONFIG_NOT_FOUND: {
    title: 'no config file, or no site folder',
    exit: EXIT.config,
    abortsRun: true,
    input: true,
    hint: 'run `isr init` to create a site, pass the site folder as the first argument, or --config <file>',
  },
  CONFIG_LOAD: {
    title: 'the config file cannot be read or loaded',
    exit: EXIT.config,
    abortsRun: true,
    input: true,
    hint: 'fix the error in the config file',
  },
  CONFIG_INVALID: {
    title: 'a config value is invalid',
    exit: EXIT.config,
    abortsRun: true,
    input: true,
    hint: 'see "Config reference" in the README',
  },
  TEMPLATE_NOT_FOUND: {
    title: 'a template, layout or partial is missing',
    exit: EXIT.template,
    abortsRun: true,
    input: true,
    hint: 'create the file or fix the name',
  },
  TEMPLATE_SYNTAX: {
    title: 'a template does not compile',
    exit: EXIT.template,
    abortsRun: true,
    input: true,
    message: (detail: string) => `template syntax error: ${detail}`,
    hint: 'fix the template tag at that line',
  },
  TEMPLATE_RENDER: {
    title: 'a template threw while rendering a page',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'fix the template at that line, or the props it reads',
  },
  FRONT_MATTER: {
    title: 'front matter or a data file does not parse',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'fix the syntax of the file',
  },
  CONTENT_UNREADABLE: {
    title: 'a content file or folder cannot be read',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    message: (what: string, detail: string) => `cannot read ${what}: ${detail}`,
    hint: 'check its permissions',
  },
  BAD_PARAMS: {
    title: 'paths() returned params that make no URL',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'return e.g. [{ slug: "hello" }] or ["/blog/hello/"]; params may not be empty or contain "/", "\\" or ".."',
  },
  BAD_LOAD_RESULT: {
    title: 'load(), a data source or paginate() gave a value of the wrong shape',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'return { props: {...} }, { notFound: true } or { redirect: "/elsewhere/" } (see "Routes" in the README)',
  },
  DUPLICATE_OUTPUT: {
    title: 'two routes, or a route and a public file, write the same file',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    message: (first: string, second: string, verb: 'produce' | 'write', output: string) => `${first} and ${second} both ${verb} ${output}`,
    hint: 'give each route its own path, and rename public files that take a page’s name',
  },
  LOAD_FAILED: {
    title: 'a page’s data could not be loaded',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'fix the data source; the last good page is kept and retried with backoff',
  },
  PATHS_FAILED: {
    title: 'a route’s paths() failed (reserved: a failing paths() is reported per route, not thrown)',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'fix the data source paths() reads; the route’s pages are kept as they were',
  },
  NO_ROUTE: {
    title: 'a named path matches no route (reserved: reported per path, not thrown)',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'check the path against the routes in the config',
  },
  BAD_PATH: {
    title: 'a named path is malformed (reserved: reported per path, not thrown)',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'give a URL path such as /blog/hello/',
  },
  HTTP_SOURCE: {
    title: 'an http() data source got an unusable answer',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'check the URL, the credentials and what the API answers; the last good pages are kept',
  },
  MANIFEST_MISSING: {
    title: 'nothing has been built yet',
    exit: EXIT.manifest,
    abortsRun: true,
    input: false,
    hint: 'run `isr build` first',
  },
  MANIFEST_CORRUPT: {
    title: 'the manifest is corrupt, unreadable or of another version',
    exit: EXIT.manifest,
    abortsRun: true,
    input: false,
    hint: 'delete the manifest and run `isr build` to rebuild it',
  },
  LOCKED: {
    title: 'another run holds the site lock',
    exit: EXIT.locked,
    abortsRun: true,
    input: false,
    message: (holder: string) => `another isr run holds the lock (${holder})`,
    hint: 'wait for it to finish, or pass --wait SECONDS',
  },
  WRITE_FAILED: {
    title: 'the output, the manifest or the state cannot be written',
    exit: EXIT.io,
    abortsRun: true,
    input: false,
    message: (what: string, detail: string) => `cannot write ${what}: ${detail}`,
    hint: 'check the folder is writable and the disk has space',
  },
  USAGE: {
    title: 'a bad flag, argument or environment value',
    exit: EXIT.usage,
    abortsRun: true,
    input: false,
    hint: 'see `isr <command> --help`',
  },
  CONTENT_LIMIT: {
    title: 'a content file is over a bound (YAML size or aliases): that file’s pages fail, the run goes on',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'move the data out of the front matter, or split the file',
  },
  BAD_PROPS: {
    title: 'load() returned props that are not JSON data (a BigInt, a cycle): that page fails',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    message: (route: string, path: string, at: string, problem: string) =>
      `route "${route}": load() for ${path} returned ${at}, which ${problem}`,
    hint: 'props must be JSON data: convert BigInts with String() or Number(), and break cycles',
  },
  PAGE_UNWRITABLE: {
    title: 'the file system refuses one page’s file (its name, or a file in the way): that page fails',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    message: (file: string, errno: string) => `cannot write ${file}: ${errno}`,
    hint: 'give the page shorter or plainer params, or remove what is in the way',
  },
  LOCK_LOST: {
    title: 'this run lost the site lock before publishing',
    exit: EXIT.locked,
    abortsRun: true,
    input: false,
    message: () => 'this run lost the site lock before publishing (its lease expired or another run took it over); nothing was published',
    hint: 'run again; if it recurs, check that the clocks of the hosts sharing this site agree and that the run is not stalled for a minute',
  },
  PAYLOAD_INVALID: {
    title: 'a webhook payload that cannot be right (not JSON, over the bound, refused by serve.webhook)',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'send the CMS’s own payload unchanged; serve answers 400, `isr regen --payload` exits 5 and nothing is rendered',
  },
  PAYLOAD_UNVERIFIED: {
    title: 'a webhook call whose signature or timestamp serve.verify refused',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'check the signing secret on both sides and the clocks; serve answers 401, `isr regen --payload` exits 5',
  },
  CONTENT_CLASH: {
    title: 'two content files are one entry (guides.md and guides/index.md) or take one URL (a permalink or an alias)',
    exit: EXIT.input,
    abortsRun: true,
    input: true,
    hint: 'give each page its own file, permalink and aliases',
  },
  PURGE_FAILED: {
    title: 'the CDN refused or did not answer a purge (the site is published; the change set is kept for the next run)',
    exit: EXIT.pageFailed,
    abortsRun: false,
    input: false,
    hint: 'check the purge credentials and the CDN id; the change set is kept and purged with the next run',
  },
  PURGE_CREDENTIALS: {
    title: 'a purge is configured but its credentials are not in the environment',
    exit: EXIT.config,
    abortsRun: true,
    input: false,
    hint: 'set them (as CI secrets), or remove purge from the config',
  },
  PRECONDITION_FAILED: {
    title: 'a conditional write of the store found another version than the one the run read: another run published meanwhile',
    exit: EXIT.locked,
    abortsRun: true,
    input: false,
    message: (where: string, key: string, expected: string, found: string) =>
      `${where}: ${key} changed under this run (expected ${expected}, found ${found}); nothing was published over it`,
    hint: 'another run published meanwhile; run again',
  },
  STORE_AUTH: {
    title: 'the S3 store’s endpoint refused the credentials, or there are none',
    exit: EXIT.config,
    abortsRun: true,
    input: false,
    hint: 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)',
  },
  STORE_NO_BUCKET: {
    title: 'the S3 store’s bucket does not exist at its endpoint',
    exit: EXIT.config,
    abortsRun: true,
    input: false,
    message: (bucket: string, endpoint: string) => `the bucket ${bucket} does not exist at ${endpoint}`,
    hint: 'create it, or correct the bucket name in the config or the s3:// URL',
  },
  STORE_UNREACHABLE: {
    title: 'the S3 store’s endpoint did not answer within its bounded tries: nothing was published',
    exit: EXIT.io,
    abortsRun: true,
    input: false,
    hint: 'check the endpoint and the network; each try waits at most the store timeout',
  },
  STORE_FAILED: {
    title: 'the S3 store’s endpoint refused a request (the code and message S3 gave are in the line)',
    exit: EXIT.io,
    abortsRun: true,
    input: false,
    hint: 'see the code S3 gave; run again with --debug for the request',
  },
  STORE_NO_CONDITIONAL_WRITES: {
    title: 'the S3 store ignores If-Match / If-None-Match, so the lease and the commit point would not hold',
    exit: EXIT.config,
    abortsRun: true,
    input: false,
    hint: 'use a store that honours conditional writes (AWS S3, Cloudflare R2, Ceph RGW, MinIO), or a proxy that passes If-Match/If-None-Match through',
  },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof CATALOGUE;

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
