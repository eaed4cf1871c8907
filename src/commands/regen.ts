import { readFile } from 'node:fs/promises';
import kleur from 'kleur';
import { IsrError } from '../errors.js';
import { exitCleanlyOnSignals } from '../run/interrupt.js';
import { runSite, type RunResult } from '../run/run-site.js';
import { commandContext, type CommonOptions } from './context.js';
import { afterChange, exitCodeFor, printSummary, resultJson } from './report.js';

export interface RegenOptions extends CommonOptions {
  path?: string[];
  pathsFrom?: string;
  tag?: string[];
  route?: string[];
  all?: boolean;
  dryRun?: boolean;
  wait?: number;
  exec?: string;
}

/** `isr regen [root]`: re-render only what is due or named; made to run from cron. */
export async function regenCommand(root: string, opts: RegenOptions): Promise<void> {
  exitCleanlyOnSignals();
  const paths = [...(opts.path ?? []), ...(opts.pathsFrom ? await readPaths(opts.pathsFrom) : [])];
  const { config, logger, now } = await commandContext(root, opts);
  // A usage error: refuse before the run, not after it has already rendered what was due.
  const unknownRoutes = (opts.route ?? []).filter((name) => !config.routes.some((r) => r.name === name));
  if (unknownRoutes.length) {
    throw new IsrError('USAGE', `--route ${unknownRoutes.join(', ')}: no such route`, {
      hint: `routes are: ${config.routes.map((r) => r.name).join(', ')}`,
    });
  }
  const result = await runSite(config, {
    mode: 'regen',
    now,
    logger,
    all: opts.all,
    paths,
    tags: opts.tag ?? [],
    routes: opts.route ?? [],
    dryRun: opts.dryRun,
    waitSeconds: opts.wait,
    command: 'isr regen',
  });
  const { plan } = result;
  for (const e of plan.errors) logger.error(`--path ${e.path}: ${e.message}`);
  for (const t of plan.unmatchedTags) logger.warn(`--tag ${t}: no page recorded this tag; nothing to render for it`);
  const planJson = {
    render: plan.render.map((p) => ({ path: p.path, route: p.route, reasons: p.reasons })),
    remove: plan.remove.map((r) => ({ path: r.path, file: r.file, reason: r.reason })),
    errors: plan.errors,
    unmatchedTags: plan.unmatchedTags,
  };
  if (opts.dryRun) {
    if (opts.json) process.stdout.write(JSON.stringify({ dryRun: true, ...planJson }) + '\n');
    else printPlan(result, (s) => process.stdout.write(s + '\n'));
    process.exitCode = plan.errors.length ? 1 : 0;
    return;
  }
  if (opts.json) process.stdout.write(JSON.stringify(resultJson(result, { plan: planJson, errors: plan.errors })) + '\n');
  else if (result.rendered.length || result.removed.length || result.failed.length) printSummary(logger, 'regenerated', result);
  else logger.info('nothing due');
  const hook = await afterChange(config, result, opts.exec, logger, now);
  process.exitCode = exitCodeFor(result) || hook;
}

function printPlan(r: RunResult, out: (s: string) => void): void {
  const { plan } = r;
  if (!plan.render.length && !plan.remove.length) out('nothing due');
  for (const p of plan.render) out(`render ${p.path}  ${kleur.dim(p.reasons.join(', '))}`);
  for (const p of plan.remove) out(`remove ${p.path}  ${kleur.dim(p.reason)}`);
}

async function readPaths(source: string): Promise<string[]> {
  let text: string;
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8');
  } catch (err) {
    throw new IsrError('USAGE', `--paths-from ${source}: ${(err as Error).message}`, { hint: 'give a readable file with one path per line, or - for stdin' });
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
