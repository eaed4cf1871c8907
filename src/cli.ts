import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, IsrError, oneLine } from './errors.js';
import { type Importer, useImporter } from './import-module.js';
import { VERSION, versionDetails } from './version.js';

/** What the loader that started the CLI provides (bin/isr.js → startup/start.ts). */
export interface CliHost {
  /** The loader's own import(), when dist/isr.cjs runs from V8's code cache (import-module.ts says why). */
  importModule?: Importer;
}

/**
 * Entry point of `isr`. Each command's module is imported only when that command runs, so
 * `isr regen` never pays for the server or the watcher.
 */
export async function main(argv: string[], host: CliHost = {}): Promise<void> {
  if (host.importModule) useImporter(host.importModule);
  if (isVersionVerbose(argv.slice(2))) {
    process.stdout.write(versionDetails());
    return;
  }
  const debug = argv.includes('--debug');
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, debug);
  }
  // The command is done (serve returns only at shutdown). Something a data source started may
  // still hold the event loop — a load() that hung past its timeout, a pool not closed in
  // dispose() — and a cron job must not stay up because of it. Unref'd: a clean exit is not delayed.
  setTimeout(() => {
    process.stderr.write(
      'warning exiting although a data source still has work running (a load() that timed out, or a connection not closed in dispose())\n',
    );
    process.exit();
  }, EXIT_GRACE_MS).unref();
}

/** How long a finished command waits for stray work of data sources before exiting anyway. */
const EXIT_GRACE_MS = 1000;

/** `isr --version --verbose` (either order, `-v` too): not a commander option, so `--verbose` stays unknown elsewhere. */
function isVersionVerbose(args: string[]): boolean {
  return args.length === 2 && args.includes('--verbose') && (args.includes('--version') || args.includes('-v'));
}

function buildProgram(): Command {
  const program = new Command('isr')
    .description('Incremental Static Regeneration for any static site')
    .version(VERSION, '-v, --version')
    .exitOverride();
  // Usage errors on one line, like every other isr error.
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    // oneLine: commander puts its suggestion on a second line ("(Did you mean build?)").
    outputError: (s, write) => write(`isr: ${oneLine(s.replace(/^error: /, ''))} (see isr --help)\n`),
  });

  const common = (cmd: Command) =>
    cmd
      .argument('[root]', 'site folder holding isr.config.*', '.')
      .option('--out <dir>', 'output folder (overrides outDir)')
      .addOption(new Option('--concurrency <n>', 'pages loaded/rendered at once').argParser(positiveInt('--concurrency')))
      .option('--config <file>', 'config file (default: isr.config.* in the site folder)')
      .option('--json', 'print one JSON object on stdout')
      .option('-q, --quiet', 'print only errors')
      .option('--debug', 'print stack traces and debug lines');
  // Where the site lives, when not in the local folders (build, regen, status; wins over `store` in the config).
  const storeFlags = (cmd: Command) =>
    cmd
      .option('--store <url>', 'keep the site and its state in an S3-compatible bucket: s3://bucket/prefix (overrides store)')
      .option('--endpoint <url>', 'the S3-compatible endpoint of --store (R2, Ceph, MinIO); default AWS S3')
      .option('--region <region>', 'the region of --store (default AWS_REGION, then us-east-1)');

  storeFlags(common(program.command('build').description('render every page into the output folder and write the manifest')))
    .option('--no-detect', "do not record a snapshot of the content for the next regen's change detection")
    .addOption(new Option('--wait <seconds>', 'wait this long for another run to finish').argParser(nonNegative('--wait')).default(0))
    .action(async (root, opts) => (await import('./commands/build.js')).buildCommand(root, opts));

  storeFlags(
    common(program.command('regen').description('re-render only what is due (expired, named by --path/--tag/--route, or changed)')),
  )
    .option('--path <path>', 'render this URL path, due or not (repeatable)', collect)
    .option('--paths-from <file>', 'read paths from a file, one per line ("-" for stdin)')
    .option('--tag <tag>', 'render every page that recorded this tag (repeatable)', collect)
    .option('--route <name>', 'render every page of this route (repeatable)', collect)
    .option('--all', 're-render every page')
    .option('--no-detect', 'do not look for changed content (only what is due or named)')
    .option('--payload <file>', 'a saved webhook payload ("-" for stdin): render what serve.webhook maps it to')
    .option(
      '--payload-headers <file>',
      "the saved request's headers as JSON {method, path, headers}: its topic, and serve.verify checks it",
    )
    .option('--topic <topic>', "the payload's event, e.g. ContentManagement.Entry.unpublish (when no header gives it)")
    .option(
      '--forget-on-demand <route>',
      'remove the pages this route rendered on demand (fallback, webhook, --path), files and entries; "*" for every route (repeatable)',
      collect,
    )
    .option('--dry-run', 'print the plan (what would render and why) and render nothing')
    .addOption(new Option('--wait <seconds>', 'wait this long for another run to finish').argParser(nonNegative('--wait')).default(0))
    .option('--exec <command>', 'run a shell command after a change; it gets {"written","removed"} JSON on stdin')
    .action(async (root, opts) => (await import('./commands/regen.js')).regenCommand(root, opts));

  storeFlags(program.command('status'))
    .description('pages, how many are due, the next expiry, failing pages')
    .argument('[root]', 'site folder', '.')
    .option('--config <file>', 'config file (default: isr.config.* in the site folder)')
    .option('--json', 'print one JSON object on stdout')
    .option('--debug', 'print stack traces')
    .action(async (root, opts) => (await import('./commands/status.js')).statusCommand(root, opts));

  program
    .command('init')
    .description('create a starter site (Markdown blog) in a folder')
    .argument('[dir]', 'folder to create', 'my-site')
    .option('--force', 'write into a folder that is not empty')
    .option('--isr-dep <spec>', 'npm dependency spec for static-isr in the new package.json (default: this copy of isr)')
    .action(async (dir, opts) => (await import('./commands/init.js')).initCommand(dir, opts));

  program
    .command('serve')
    .description('serve the output with stale-while-revalidate, on-demand revalidation and fallback')
    .argument('[root]', 'site folder', '.')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <port>', 'port (0 picks a free one)').argParser(nonNegative('--port')).default(3000))
    .option('--out <dir>', 'output folder (overrides outDir)')
    .option('--config <file>', 'config file (default: isr.config.* in the site folder)')
    .option('--watch', 'rebuild affected pages when templates, content or config change, and reload browsers')
    .option('--log', 'one access-log line per request')
    .addOption(
      new Option('--workers <n>', 'server processes sharing the port (uses more cores)').argParser(positiveInt('--workers')).default(1),
    )
    .option('--debug', 'print stack traces')
    .action(async (root, opts) => (await import('./commands/serve.js')).serveCommand(root, opts));

  program
    .command('dev')
    .description('build if never built, then serve with --watch: edit, save, the browser reloads')
    .argument('[root]', 'site folder', '.')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <port>', 'port (0 picks a free one)').argParser(nonNegative('--port')).default(3000))
    .option('--out <dir>', 'output folder (overrides outDir)')
    .option('--config <file>', 'config file (default: isr.config.* in the site folder)')
    .option('--debug', 'print stack traces')
    .action(async (root, opts) => (await import('./commands/dev.js')).devCommand(root, opts));

  program.addHelpText('after', HELP_AFTER);
  return program;
}

const HELP_AFTER = `
Examples:
  isr init my-site                 create a starter blog in my-site/
  isr dev                          build if needed, then preview with live reload
  isr build                        render every page into dist/
  isr regen                        from cron: re-render what is due
  isr regen --path /blog/x/        re-render one page now
  isr regen --tag post:42 --exec './purge.sh'   pages that used entry 42, then purge them
  isr regen --payload event.json   a saved CMS webhook payload, mapped by serve.webhook (CI, no server)
  isr serve --port 8080            an origin with stale-while-revalidate and a webhook
  isr --version --verbose          versions of isr, of the packages built into it, of Node

Environment:
  ISR_NOW                  the current time (ISO 8601 or epoch ms), to test expiry
  ISR_LOAD_TIMEOUT_MS      how long one load() may take (default 60000)
  ISR_REVALIDATE_SECRET    isr serve's webhook secret (wins over the config)
  NO_COLOR, FORCE_COLOR    colour off / on (FORCE_COLOR=0 off), whatever the output is
  .env, .env.local         in the site folder: loaded before the config; the environment wins

Exit codes: 0 ok, 1 pages failed, 2 usage, 3 config, 4 template, 5 content, 6 manifest,
7 write failed, 75 locked, 70 bug in isr. Docs: README.md of static-isr.
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function positiveInt(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} expects a whole number >= 1`);
    return n;
  };
}

function nonNegative(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} expects a number >= 0`);
    return n;
  };
}

/** Print an error the way a user needs it and return the exit status. */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (help and version are not errors).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  if (err instanceof IsrError) {
    process.stderr.write(`isr: ${err.toLine()} [${err.code}]\n`);
    if (debug) process.stderr.write(`${err.stack}\n${err.cause === undefined ? '' : `caused by: ${stackOf(err.cause)}\n`}`);
    return err.exitCode;
  }
  // An InternalError, or anything else isr did not expect to throw: a bug, worth its stack.
  process.stderr.write(`isr: internal error (please report it): ${stackOf(err)}\n`);
  return EXIT.internal;
}

function stackOf(err: unknown): string {
  return (err as Error)?.stack ?? String(err);
}
