import path from 'node:path';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import { checkPurge } from '../deliver/purge-step.js';
import { IsrError } from '../errors.js';
import { createLogger } from '../logger.js';
import { createServer } from '../serve/create-server.js';
import { fileClock } from '../serve/now-file.js';
import type { PrimaryMessage, WorkerMessage } from '../serve/workers.js';
import { refuseStore, runTuning } from './context.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  out?: string;
  watch?: boolean;
  log?: boolean;
  debug?: boolean;
  /** Server processes on the port (serve/workers.ts). Default 1: this process serves. */
  workers?: number;
  /** `--config <file>` */
  config?: string;
}

/**
 * `isr serve [root]`: serve outDir until SIGINT/SIGTERM. A signal stops new connections, lets a
 * running regeneration finish its (atomic) writes, then exits; a second signal exits at once.
 * With `--workers N` this process only starts and stops N workers, each running this same
 * command (node:cluster re-runs the CLI with the same arguments).
 */
export async function serveCommand(root: string, opts: ServeCommandOptions): Promise<void> {
  const workerId = process.env.ISR_WORKER_ID;
  const inWorker = Boolean(workerId && process.send);
  const logger = createLogger({ debug: opts.debug, prefix: inWorker ? `w${workerId} ` : undefined });
  const workers = opts.workers ?? 1;
  if (workers > 1 && !inWorker) {
    if (opts.watch)
      throw new IsrError('USAGE', '--watch and --workers cannot be used together', { hint: 'watch mode is for editing: drop --workers' });
    const { runWorkers } = await import('../serve/workers.js');
    process.exit(await runWorkers(workers, logger));
  }
  const overrides = { outDir: opts.out, configFile: opts.config };
  // Watch mode renders edits in progress: they must not purge the production CDN.
  const load = async () => {
    const c = await loadConfig(root, overrides);
    return opts.watch && c.purge ? Object.freeze({ ...c, purge: undefined }) : c;
  };
  const config = await load();
  refuseStore(config, 'isr serve');
  checkPurge(config);
  const clock = process.env.ISR_NOW_FILE ? fileClock(process.env.ISR_NOW_FILE, (m) => logger.warn(m)) : systemClock();
  clock(); // a bad ISR_NOW / ISR_NOW_FILE fails here, before the port is taken
  const logPrefix = inWorker ? `w${workerId} ` : '';
  const server = await createServer({
    config,
    clock,
    logger,
    host: opts.host,
    port: opts.port,
    watch: opts.watch,
    accessLog: opts.log ? (line) => process.stdout.write(`${logPrefix + line}\n`) : undefined,
    reloadConfig: load,
    tuning: runTuning(),
  });
  const out = path.relative(process.cwd(), config.outDir) || '.';
  // The site's home: under the base path, where the server serves it.
  const home = server.url + config.base.slice(1);
  if (inWorker) process.send!({ isr: 'listening', url: home, out } satisfies WorkerMessage);
  else process.stdout.write(`isr serve: ${out} at ${home}${opts.watch ? ' (watching for changes)' : ''}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string | undefined, escalate = true) => {
      if (stopping) {
        if (!escalate) return;
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      logger.info(`${signal ? `${signal}: ` : ''}shutting down (waiting for running regenerations)`);
      server.close().then(resolve, (err) => {
        logger.error(`shutdown: ${(err as Error).message}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (inWorker) {
      // Ctrl-C reaches every worker directly and the primary also asks: the request does not
      // count as a second signal. A primary that is gone (killed) leaves nobody to answer to.
      process.on('message', (m: PrimaryMessage) => m?.isr === 'stop' && stop(undefined, false));
      process.on('disconnect', () => stop('the primary is gone', false));
    }
  });
  // Everything of ours is closed and written; a data source may still hold handles (a database
  // pool, keep-alive sockets) that would keep the process up, so leave explicitly.
  process.exit();
}
