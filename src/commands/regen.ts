import { readFile } from 'node:fs/promises';
import kleur from 'kleur';
import { stripBase } from '../config/base-path.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { checkPurge, printPurgePlan, purgeRequests } from '../deliver/purge-step.js';
import { afterChangeWithStore, readPendingSets } from '../deliver/store-pending.js';
import { IsrError } from '../errors.js';
import { checkNamedPath } from '../plan/page-rules.js';
import type { PlanOptions } from '../plan/plan-regen.js';
import { planRoutes } from '../routes/list-paths.js';
import { exitCleanlyOnSignals } from '../run/interrupt.js';
import { type RunResult, runSite } from '../run/run-site.js';
import type { StoreFlags } from '../store/s3-config.js';
import type { SiteStore } from '../store/store.js';
import { type CommonOptions, commandContext, commandStore, runTuning } from './context.js';
import { warnHostLimits } from './host-limits.js';
import { payloadTarget } from './payload.js';
import { exitCodeFor, printSummary, resultJson } from './report.js';

export interface RegenOptions extends CommonOptions, StoreFlags {
  path?: string[];
  pathsFrom?: string;
  tag?: string[];
  route?: string[];
  all?: boolean;
  forgetOnDemand?: string[];
  dryRun?: boolean;
  wait?: number;
  exec?: string;
  /** false with --no-detect: no change detection (only what is due or named). */
  detect?: boolean;
  /** `--payload FILE|-`: a saved webhook payload, mapped by serve.webhook. */
  payload?: string;
  /** `--payload-headers FILE`: the saved request's method, path and headers (topic, signature). */
  payloadHeaders?: string;
  /** `--topic`: the event's name, when no header gives it. */
  topic?: string;
}

/** `isr regen [root]`: re-render only what is due or named; made to run from cron. */
export async function regenCommand(root: string, opts: RegenOptions): Promise<void> {
  exitCleanlyOnSignals();
  // A --path that can name no page is a bad flag value (exit 2), refused before anything runs.
  // (A line of --paths-from stays a per-path error: one bad line of a CMS's list must not stop the rest.)
  for (const p of opts.path ?? []) {
    const problem = checkNamedPath(p);
    if (problem) throw new IsrError('USAGE', `--path ${p}: ${problem}`, { hint: 'give a URL path such as /blog/hello/' });
  }
  if (!opts.payload && (opts.payloadHeaders || opts.topic))
    throw new IsrError('USAGE', `${opts.topic ? '--topic' : '--payload-headers'} needs --payload`, {
      hint: 'give the saved payload with --payload FILE',
    });
  const paths = [...(opts.path ?? []), ...(opts.pathsFrom ? await readPaths(opts.pathsFrom) : [])];
  const { config, logger, now } = await commandContext(root, opts);
  // Refused before the run: a payload that is malformed or unverified renders nothing.
  const fromPayload = opts.payload
    ? await payloadTarget(config, { payload: opts.payload, payloadHeaders: opts.payloadHeaders, topic: opts.topic }, now)
    : undefined;
  if (fromPayload && 'ignored' in fromPayload)
    logger.info(`--payload: serve.webhook() ignored it${fromPayload.reason ? ` (${fromPayload.reason})` : ''}; nothing named by it`);
  const payloadNamed = fromPayload && !('ignored' in fromPayload) ? fromPayload : { paths: [], tags: [] };
  // A usage error: refuse before the run, not after it has already rendered what was due.
  const unknown = (flag: string, names: string[]) => {
    const bad = names.filter((name) => !config.routes.some((r) => r.name === name));
    if (bad.length)
      throw new IsrError('USAGE', `${flag} ${bad.join(', ')}: no such route`, {
        hint: `routes are: ${config.routes.map((r) => r.name).join(', ')}`,
      });
  };
  unknown('--route', opts.route ?? []);
  if (!opts.dryRun) checkPurge(config);
  const forget = opts.forgetOnDemand?.includes('*') ? true : opts.forgetOnDemand;
  if (forget && forget !== true) unknown('--forget-on-demand', forget);
  // Under a base path, a path may be given as the browser shows it (`/repo/blog/x/`) or as the
  // site's own (`/blog/x/`): one under the base is taken as public, as the webhook does.
  const named = config.base === '/' ? paths : paths.map((p) => stripBase(config.base, p) ?? p);
  const where = await commandStore(config, opts);
  const planOptions: PlanOptions = {
    mode: 'regen',
    all: opts.all,
    paths: [...named, ...payloadNamed.paths],
    tags: [...(opts.tag ?? []), ...payloadNamed.tags],
    routes: opts.route ?? [],
    forgetOnDemand: forget,
  };
  const result = await runSite(config, {
    ...planOptions,
    now,
    logger,
    dryRun: opts.dryRun,
    waitSeconds: opts.wait,
    command: 'isr regen',
    ...runTuning(),
    ...where,
    detect: opts.detect !== false,
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
  const payloadJson = fromPayload ? { payload: fromPayload } : {};
  if (opts.dryRun) {
    // A dry run renders nothing but does run the due listings (the plan depends on them): say so.
    const listed = listedRoutes(config, result);
    const purge = await dryRunPurge(config, where.store, result, now);
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ dryRun: true, list: listed, ...planJson, ...payloadJson, ...(config.purge && { purge }) })}\n`,
      );
    else {
      printPlan(result, listed, (s) => process.stdout.write(`${s}\n`));
      printPurgePlan(purge, (s) => process.stdout.write(`${s}\n`));
    }
    process.exitCode = plan.errors.length ? 1 : 0;
    return;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(resultJson(result, { plan: planJson, errors: plan.errors, ...payloadJson }))}\n`);
  else if (result.rendered.length || result.removed.length || result.failed.length) printSummary(logger, 'regenerated', result);
  else logger.info('nothing due');
  // (In a store the host files are objects: the S3 store needs no _headers, so no host limit applies.)
  if (!where.store) warnHostLimits(config, result.written, logger);
  const hook = await afterChangeWithStore(config, where.store, result, opts.exec, logger, now);
  process.exitCode = exitCodeFor(result) || hook;
}

/**
 * What the purge would send if the plan ran: every page planned to render or go (a dry run cannot
 * know which renders would change bytes, so this is the most it would purge) and the change sets
 * kept from earlier runs (in the store when the site lives in one: a LIST, and a GET per set).
 * Without credentials.
 */
async function dryRunPurge(config: ResolvedConfig, store: SiteStore | undefined, r: RunResult, now: number) {
  if (!config.purge) return [];
  const file = (p: string) => `${p.slice(1)}${p.endsWith('/') ? 'index.html' : ''}`;
  const planned = [...r.plan.render.map((p) => p.path), ...r.plan.remove.map((p) => p.path)].map(file);
  const kept = (await readPendingSets(config, store)).flatMap((s) => [...s.written, ...s.removed]);
  return purgeRequests(config, { written: [...planned, ...kept], removed: [] }, now);
}

/**
 * The dynamic routes whose `paths()` the run called, with the error of those that failed, as the
 * run reports them (asking the planner again here missed the listings due only to a change the
 * sources' `changes` hooks found: the command does not know those).
 */
function listedRoutes(config: ResolvedConfig, r: RunResult): { route: string; error?: string }[] {
  const due = new Set(r.listed ?? []);
  const errors = new Map(r.listingErrors.map((l) => [l.route, l.error]));
  return planRoutes(config)
    .filter((route) => route.dynamic && due.has(route.name))
    .map((route) => ({ route: route.name, ...(errors.has(route.name) ? { error: errors.get(route.name) } : {}) }));
}

function printPlan(r: RunResult, listed: { route: string; error?: string }[], out: (s: string) => void): void {
  const { plan } = r;
  for (const l of listed)
    out(`list ${l.route}  ${kleur.dim(l.error ? `paths() run for this plan and failed: ${l.error}` : 'paths() run for this plan')}`);
  if (!plan.render.length && !plan.remove.length) out('nothing due');
  for (const p of plan.render) out(`render ${p.path}  ${kleur.dim(p.reasons.join(', '))}`);
  for (const p of plan.remove) out(`remove ${p.path}  ${kleur.dim(p.reason)}`);
}

async function readPaths(source: string): Promise<string[]> {
  let text: string;
  try {
    text = source === '-' ? await readStdin() : await readFile(source, 'utf8');
  } catch (err) {
    throw new IsrError('USAGE', `--paths-from ${source}: ${(err as Error).message}`, {
      hint: 'give a readable file with one path per line, or - for stdin',
    });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
