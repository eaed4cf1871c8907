/**
 * The error catalogue's data: every code isr throws, with its exit status, whether it stops the
 * run or only fails its page, whether the site's input is at fault, a message template when every
 * throw site says the same thing, and a hint (the shape of Astro's `core/errors/errors-data.ts`).
 * The classes and helpers that use it are in errors.ts, which re-exports all of this.
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
