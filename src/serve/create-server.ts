/**
 * `isr serve` as a library: an HTTP origin over outDir with stale-while-revalidate, blocking
 * fallback, on-demand revalidation and (optionally) watch mode with live reload. Tests start it
 * in-process with an injected clock and `port: 0`; the CLI is a thin wrapper around it.
 *
 * Every regeneration goes through `runSite` (mode `regen`, only what is named, or a full regen
 * in watch mode), serialised by one queue and by the site lock, so a cron `isr regen` and the
 * server never publish over each other.
 *
 * This file is the server's life: its options, the wiring of its parts, listening (with the
 * errors of a taken port or a bad host) and the graceful close. The queue's runner is
 * regen-runner.ts, the webhook serve-webhook.ts, watch mode watch-wiring.ts.
 */
import { realpath } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../clock.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import type { Manifest } from '../manifest/manifest.js';
import type { RunTuning } from '../run/run-site.js';
import { SERVE_SLICE_MS, setSliceMs } from '../time-slice.js';
import { logRequests } from './access-log.js';
import { FileStore } from './file-store.js';
import { createHandler } from './handle-request.js';
import { injectLiveScript, LiveReload } from './live-reload.js';
import { ManifestOwner } from './manifest-owner.js';
import { MemoryCache } from './memory-cache.js';
import { createRegenRunner } from './regen-runner.js';
import { makeWebhook, secretOf } from './serve-webhook.js';
import { type WatchWiring, wireWatch } from './watch-wiring.js';

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
  // Made below (it needs the queue); declared here for the state's onChange.
  let watch: WatchWiring | undefined;
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
      if (watch?.watching) void watch.followTracked();
    },
  });

  const { queue, regenerateInBackground } = createRegenRunner(o, { config: () => config, logger, clock, state, live });

  const webhookDeps = { env, clock, logger, queue };
  let webhook = makeWebhook(config, webhookDeps);

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
    secret: () => secretOf(env, config),
    regenerateInBackground,
  });
  if (o.accessLog) handler = logRequests(handler, o.accessLog, () => secretOf(env, config));

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

  watch = wireWatch(o, {
    config: () => config,
    useConfig: (next) => {
      config = next;
      webhook = makeWebhook(config, webhookDeps);
    },
    logger,
    clock,
    state,
    queue,
  });
  if (o.watch) await watch.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    server,
    config: () => config,
    async idle() {
      for (;;) {
        const w = watch.work;
        await w;
        await queue.idle();
        if (w === watch.work && !queue.busy) return;
      }
    },
    syncManifest: () => state.check(),
    manifest: () => state.snapshot.toManifest(),
    close() {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await watch.close();
        live?.close();
        await watch.work;
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
