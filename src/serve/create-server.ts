/**
 * `isr serve` as a library: an HTTP origin over outDir with stale-while-revalidate, blocking
 * fallback, on-demand revalidation and (optionally) watch mode with live reload. Tests start it
 * in-process with an injected clock and `port: 0`; the CLI is a thin wrapper around it.
 *
 * Every regeneration goes through `runSite` (mode `regen`, only what is named, or a full regen
 * in watch mode), serialised by one queue and by the site lock, so a cron `isr regen` and the
 * server never publish over each other.
 */
import { realpath } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { afterChange } from '../deliver/after-change.js';
import { describeError, InternalError, IsrError, isInputError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import type { Manifest } from '../manifest/manifest.js';
import { pageThatAborted } from '../run/execute-plan.js';
import { type RunResult, type RunTuning, runSite } from '../run/run-site.js';
import { SERVE_SLICE_MS, setSliceMs } from '../time-slice.js';
import { logRequests } from './access-log.js';
import { FileStore } from './file-store.js';
import { createHandler } from './handle-request.js';
import { injectLiveScript, LiveReload } from './live-reload.js';
import { ManifestOwner } from './manifest-owner.js';
import { MemoryCache } from './memory-cache.js';
import { type RegenJob, RegenQueue } from './regen-queue.js';
import { createWebhook } from './revalidate-webhook.js';
import type { SiteWatcher, WatchChange } from './watch.js';

export interface ServeOptions {
  config: ResolvedConfig;
  /** Epoch ms "now" for every SWR decision and regeneration. Default: `systemClock()` (ISR_NOW). */
  clock?: Clock;
  logger?: Logger;
  /** Address to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port; 0 picks a free one (see `IsrServer.url`). Default 3000. */
  port?: number;
  /** Watch templates, content and config; re-render what changed and reload open tabs. */
  watch?: boolean;
  /** One line per request (`--log`). */
  accessLog?: (line: string) => void;
  /** Where `ISR_REVALIDATE_SECRET` is read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Watch mode: how to load the edited config. Default `loadConfig(config.root)` with the same outDir. */
  reloadConfig?: () => Promise<ResolvedConfig>;
  /** Memory for file bytes and their compressed variants. Default 128 MiB. */
  memoryBytes?: number;
  /** Files larger than this are streamed from disk. Default 8 MiB. */
  maxFileBytes?: number;
  /**
   * At most how often (ms) a request may compare a held file, or the manifest, with the disk.
   * Default 1000. (Manifest writes are also noticed at once through a file watch.)
   */
  diskCheckMs?: number;
  /** Seconds a regeneration waits for the site lock (held by a cron `isr regen`). Default 60. */
  lockWaitSeconds?: number;
  /** Milliseconds running responses get at shutdown before connections are cut. Default 5000. */
  shutdownGraceMs?: number;
  /**
   * Socket timeouts in ms: headers 20 s, whole request 30 s, idle keep-alive 65 s by default
   * (longer than the 60 s idle timeout of common load balancers and CDNs, so the origin never
   * closes a connection the proxy is about to reuse).
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number };
  /** Switches for tests, passed to every run (commands/serve.ts reads them from the environment). */
  tuning?: RunTuning;
  /** Tests: freeze every manifest snapshot, so code that changes one in place throws. */
  freezeSnapshots?: boolean;
  /** Tests: told how each manifest write of another process was taken (its change set, or a whole reload). */
  onFollow?(how: 'delta' | 'reload'): void;
}

export interface IsrServer {
  /** `http://host:port/` as bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: http.Server;
  /** The config in use (watch mode replaces it when the file changes). */
  config(): ResolvedConfig;
  /** Resolves once no regeneration is running or queued (and watch events are handled). */
  idle(): Promise<void>;
  /** Reload the manifest now if another process changed it (requests also check, at most every second). */
  syncManifest(): Promise<void>;
  /** The manifest as the server holds it now: a copy of its snapshot (every page; O(pages)). */
  manifest(): Manifest;
  /** Stop accepting, let a running regeneration finish its writes, then close. */
  close(): Promise<void>;
}

/** How long a path is not asked for again in the background after a run with it threw (not a
 * page failure), or after a run found that no route can render it. Only the paths of that run
 * wait: the others' regeneration goes on. A run that could not even start (another process holds
 * the site lock past lockWaitSeconds) pauses all background regeneration that long: every run
 * would fail the same way. */
const PAUSE_AFTER_CRASH_MS = 10_000;
/** Paths waiting out that pause, at most; expired ones are swept when it fills. */
const MAX_PAUSED_PATHS = 10_000;

export async function createServer(o: ServeOptions): Promise<IsrServer> {
  let config = o.config;
  const logger = o.logger ?? createLogger();
  const clock = o.clock ?? systemClock();
  const env = o.env ?? process.env;
  const realOutDir = await realpath(config.outDir).catch(() => {
    throw new IsrError('MANIFEST_MISSING', `output folder ${config.outDir} does not exist: nothing has been built to serve`, {
      hint: 'run `isr build` first',
    });
  });
  // Requests wait on the runs' synchronous stretches: keep them short (time-slice.ts).
  setSliceMs(SERVE_SLICE_MS);
  const cache = new MemoryCache(o.memoryBytes ?? 128 * 1024 * 1024, o.maxFileBytes ?? 8 * 1024 * 1024);
  const live = o.watch ? new LiveReload() : undefined;
  const store = new FileStore({
    outDir: config.outDir,
    realOutDir,
    cache,
    transformHtml: live ? injectLiveScript : undefined,
    recheckMs: o.diskCheckMs,
  });
  // Set in watch mode (below); declared here for the state's onChange.
  let watcher: SiteWatcher | undefined;
  const state = await ManifestOwner.load({
    config,
    logger,
    checkEveryMs: o.diskCheckMs,
    freezeSnapshots: o.freezeSnapshots,
    onFollow: o.onFollow,
    onChange: (files) => {
      if (files === 'all') store.invalidateAll();
      else store.invalidate(files);
      // A run may have recorded files to watch (`track('file:…')` outside the sources' folders).
      if (watcher) void followTracked();
    },
  });

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
    const cfg = config;
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

  const secretOf = (c: ResolvedConfig) => env.ISR_REVALIDATE_SECRET || c.serve.revalidateSecret || undefined;
  const makeWebhook = (c: ResolvedConfig) => {
    const secret = secretOf(c);
    // On with a shared secret, or with a verify hook (a CMS's signature) alone.
    if (!secret && !c.serve.verify) return undefined;
    // join: false. A webhook says "the data changed now"; a render already running may have read
    // it before the change, so the call waits for the next run (where concurrent calls merge:
    // a burst still costs a handful of renders) instead of being absorbed into a stale one.
    return createWebhook({
      secret,
      verify: c.serve.verify,
      map: c.serve.webhook,
      now: clock,
      logger,
      maxPaths: c.serve.maxRevalidatePaths,
      maxTags: c.serve.maxRevalidateTags,
      base: c.base,
      revalidate: (t) => queue.request({ ...t, join: false }),
    });
  };
  let webhook = makeWebhook(config);

  let handler = createHandler({
    config: () => config,
    realOutDir,
    clock,
    logger,
    state,
    store,
    cache,
    queue,
    live,
    webhook: () => webhook,
    secret: () => secretOf(config),
    regenerateInBackground(key, ifDue) {
      const t = performance.now();
      if (queue.has(key) || t < lockedUntil || t < (paused.get(key) ?? 0)) return;
      paused.delete(key);
      queue.request(ifDue ? { due: [key] } : { paths: [key] }).catch(() => {}); // logged by the queue's runner
    },
  });
  if (o.accessLog) handler = logRequests(handler, o.accessLog, () => secretOf(config));

  // Slow or stalled clients (slowloris) are cut off; the check interval follows the shortest limit.
  const t = { headersMs: 20_000, requestMs: 30_000, keepAliveMs: 65_000, ...o.timeouts };
  const server = http.createServer(
    {
      headersTimeout: t.headersMs,
      requestTimeout: Math.max(t.requestMs, t.headersMs),
      keepAliveTimeout: t.keepAliveMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, t.headersMs / 4)),
    },
    handler,
  );
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      state.close();
      live?.close();
      if (err.code === 'EADDRINUSE')
        reject(
          new IsrError('USAGE', `port ${o.port} on ${host} is already in use`, {
            hint: 'pass --port 0 for a free port, or another --port',
          }),
        );
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new IsrError('USAGE', `cannot bind to ${host}: ${err.code}`, { hint: 'pass a local address to --host' }));
      else reject(err);
    };
    server.once('error', failed);
    server.listen(o.port ?? 3000, host, () => {
      server.off('error', failed);
      // Once listening, an error (e.g. out of file descriptors on accept) is logged, not fatal.
      server.on('error', (err) => logger.error(`server: ${describeError(err)}`));
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;

  // Watch mode: changes become full regens (the planner finds what they affect).
  let watchWork: Promise<void> = Promise.resolve();
  const reload = o.reloadConfig ?? (() => loadConfig(config.root, { outDir: config.outDir, concurrency: config.concurrency }));
  const startWatch = async () => {
    const { watchSite } = await import('./watch.js');
    watcher = await watchSite(config, {
      logger,
      now: clock(),
      onChange: (c) => {
        watchWork = watchWork.then(() => onWatch(c));
      },
    });
    await followTracked();
  };
  const followTracked = async () => {
    const { trackedFiles } = await import('./watch.js');
    watcher?.follow(trackedFiles(state.snapshot.toManifest()));
  };
  const onWatch = async (c: WatchChange) => {
    logger.info(`changed: ${c.files.join(', ')}`);
    if (c.config) {
      let next: ResolvedConfig;
      try {
        next = await reload();
      } catch (err) {
        logger.error(`config not reloaded: ${describeError(err)}`);
        return;
      }
      if (next.outDir !== config.outDir || next.manifestFile !== config.manifestFile) {
        logger.error('outDir or manifest changed in the config: restart `isr serve` to use them');
        return;
      }
      config = next;
      webhook = makeWebhook(config);
      await watcher?.close();
      await startWatch();
    }
    if (c.config || c.templates || c.assets || c.tags.length)
      await queue.request({ full: true, tags: c.tags, join: false }).catch(() => {});
  };
  if (o.watch) await startWatch();

  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    server,
    config: () => config,
    async idle() {
      for (;;) {
        const w = watchWork;
        await w;
        await queue.idle();
        if (w === watchWork && !queue.busy) return;
      }
    },
    syncManifest: () => state.check(),
    manifest: () => state.snapshot.toManifest(),
    close() {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await watcher?.close();
        live?.close();
        await watchWork;
        await queue.close();
        state.close();
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), o.shutdownGraceMs ?? 5000);
        await done;
        clearTimeout(grace);
      })();
      return closing;
    },
  };
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
