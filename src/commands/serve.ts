import path from 'node:path';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { createServer } from '../serve/create-server.js';
import { fileClock } from '../serve/now-file.js';

export interface ServeCommandOptions {
  host: string;
  port: number;
  out?: string;
  watch?: boolean;
  log?: boolean;
  debug?: boolean;
}

/**
 * `isr serve [root]`: serve outDir until SIGINT/SIGTERM. A signal stops new connections, lets a
 * running regeneration finish its (atomic) writes, then exits; a second signal exits at once.
 */
export async function serveCommand(root: string, opts: ServeCommandOptions): Promise<void> {
  const logger = createLogger({ debug: opts.debug });
  const overrides = { outDir: opts.out };
  const config = await loadConfig(root, overrides);
  const clock = process.env.ISR_NOW_FILE ? fileClock(process.env.ISR_NOW_FILE) : systemClock();
  clock(); // a bad ISR_NOW / ISR_NOW_FILE fails here, before the port is taken
  const server = await createServer({
    config,
    clock,
    logger,
    host: opts.host,
    port: opts.port,
    watch: opts.watch,
    accessLog: opts.log ? (line) => process.stdout.write(line + '\n') : undefined,
    reloadConfig: () => loadConfig(root, overrides),
  });
  const out = path.relative(process.cwd(), config.outDir) || '.';
  process.stdout.write(`isr serve: ${out} at ${server.url}${opts.watch ? ' (watching for changes)' : ''}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      stopping = true;
      logger.info(`${signal}: shutting down (waiting for running regenerations)`);
      server.close().then(resolve, (err) => {
        logger.error(`shutdown: ${(err as Error).message}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Everything of ours is closed and written; a data source may still hold handles (a database
  // pool, keep-alive sockets) that would keep the process up, so leave explicitly.
  process.exit();
}
