/**
 * The server's regenerations: the runner of its one queue (a `runSite` in mode `regen` per job,
 * with the pages of a run aborted by one page's bad input run again without it), the pause of
 * paths whose run threw (so a busy page cannot keep the queue spinning), the log lines of each
 * run, and `regenerateInBackground`, how a stale request asks for a page. Separate from
 * create-server.ts, which only wires this to the handler, the webhook and the watcher.
 */

import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { afterChange } from '../deliver/after-change.js';
import { describeError, InternalError, IsrError, isInputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { pageThatAborted } from '../run/execute-plan.js';
import { type RunResult, runSite } from '../run/run-site.js';
import type { ServeOptions } from './create-server.js';
import type { LiveReload } from './live-reload.js';
import type { ManifestOwner } from './manifest-owner.js';
import { type RegenJob, RegenQueue } from './regen-queue.js';

/** How long a path is not asked for again in the background after a run with it threw (not a
 * page failure), or after a run found that no route can render it. Only the paths of that run
 * wait: the others' regeneration goes on. A run that could not even start (another process holds
 * the site lock past lockWaitSeconds) pauses all background regeneration that long: every run
 * would fail the same way. */
const PAUSE_AFTER_CRASH_MS = 10_000;
/** Paths waiting out that pause, at most; expired ones are swept when it fills. */
const MAX_PAUSED_PATHS = 10_000;

export interface RegenRunner {
  queue: RegenQueue;
  /**
   * Ask for one background regeneration of a page, unless it is queued, paused after its run
   * threw, or every run is paused while another process holds the site lock.
   */
  regenerateInBackground(key: string, ifDue?: boolean): void;
}

export function createRegenRunner(
  o: ServeOptions,
  {
    config,
    logger,
    clock,
    state,
    live,
  }: { config: () => ResolvedConfig; logger: Logger; clock: Clock; state: ManifestOwner; live?: LiveReload },
): RegenRunner {
  // Paths whose run threw, or that a run could not render at all (no route matches any more):
  // not asked for again by every stale request for a while, or a busy page would keep the queue
  // spinning. Per path: a run that aborts (one page's bad input, a full disk) never holds back
  // the regeneration of pages that were not in it.
  const paused = new Map<string, number>();
  let lockedUntil = 0;
  const pause = (paths: Iterable<string>) => {
    const until = performance.now() + PAUSE_AFTER_CRASH_MS;
    if (paused.size >= MAX_PAUSED_PATHS) {
      const t = performance.now();
      for (const [k, v] of paused) if (v <= t) paused.delete(k);
      if (paused.size >= MAX_PAUSED_PATHS) paused.clear();
    }
    for (const p of paths) paused.set(p, until);
  };
  const run = (cfg: ResolvedConfig, job: RegenJob) =>
    runSite(cfg, {
      mode: 'regen',
      onlyNamed: !job.full,
      paths: job.paths,
      duePaths: job.due,
      dropNotFound: job.drop ?? [],
      tags: job.tags,
      now: clock(),
      logger,
      command: 'isr serve',
      waitSeconds: o.lockWaitSeconds ?? 60,
      held: state.held(),
      ...o.tuning,
    });
  const queue = new RegenQueue(async (job) => {
    const cfg = config();
    let result: RunResult;
    let culprit: { path: string; error: string } | undefined;
    state.ownRunStarted();
    try {
      try {
        result = await run(cfg, job);
      } catch (err) {
        // One page's bad input (a load() that returns garbage for a crafted fallback path) aborts
        // its run, which published nothing: the pages merged into it (a webhook's, a stale
        // page's) go again without it rather than fail with it.
        const path = isInputError(err) ? pageThatAborted(err) : undefined;
        const rest = path === undefined ? undefined : jobWithout(job, path);
        if (!rest) throw err;
        culprit = { path: path!, error: `${path}: ${describeError(err)}` };
        logger.error(`regenerating ${path} failed: ${describeError(err)} (the other pages of its run go again without it)`);
        pause([path!]);
        result = await run(cfg, rest);
      }
    } catch (err) {
      state.ownRunFailed();
      // A bug is worth its stack (a server's log is where it will be read); an expected error, one line.
      const bug = err instanceof InternalError ? ` (a bug in isr: please report it)\n${err.stack}` : '';
      logger.error(`regenerating ${describeJob(job)} failed: ${describeError(err)}${bug}`);
      if (err instanceof IsrError && err.code === 'LOCKED') lockedUntil = performance.now() + PAUSE_AFTER_CRASH_MS;
      else pause([...job.paths, ...job.due]);
      throw err;
    }
    const changed = [...result.written, ...result.removed];
    pause(result.plan.errors.map((e) => e.path));
    await state.adopt(result, changed);
    reportRun(logger, job, result);
    if (changed.length) {
      live?.reload(changed);
      await afterChange(cfg, result, undefined, logger);
    }
    // Its callers (a waiting fallback request) learn that it failed; the manifest has no entry.
    return culprit ? { ...result, failed: [...result.failed, culprit] } : result;
  });

  const regenerateInBackground = (key: string, ifDue?: boolean) => {
    const t = performance.now();
    if (queue.has(key) || t < lockedUntil || t < (paused.get(key) ?? 0)) return;
    paused.delete(key);
    queue.request(ifDue ? { due: [key] } : { paths: [key] }).catch(() => {}); // logged by the queue's runner
  };
  return { queue, regenerateInBackground };
}

/** The job without `path` (a page whose bad input aborted it), or undefined when that leaves
 * nothing to do or `path` was not named in it (a page found by tag would be found again). */
function jobWithout(job: RegenJob, path: string): RegenJob | undefined {
  if (job.full || (!job.paths.includes(path) && !job.due.includes(path))) return undefined;
  const rest = { ...job, paths: job.paths.filter((p) => p !== path), due: job.due.filter((p) => p !== path) };
  return rest.paths.length || rest.due.length || rest.tags.length || rest.drop?.length ? rest : undefined;
}

function describeJob(job: RegenJob): string {
  const named = [...job.paths, ...job.due, ...job.tags.map((t) => `tag:${t}`)];
  return named.length ? named.join(' ') : 'changed pages';
}

function reportRun(logger: Logger, job: RegenJob, r: RunResult): void {
  for (const f of r.failed) logger.error(`regeneration failed, serving the last good page: ${f.error}`);
  for (const l of r.listingErrors) logger.error(l.error);
  for (const e of r.plan.errors) logger.warn(`${e.path}: ${e.message}`);
  if (r.rendered.length || r.removed.length) {
    logger.info(
      `regenerated ${describeJob(job)}: ${r.rendered.length} rendered, ${r.written.length} written, ${r.removed.length} removed in ${Math.round(r.durationMs)} ms`,
    );
  }
}
