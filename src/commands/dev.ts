import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logger.js';
import { buildCommand } from './build.js';
import { refuseStore } from './context.js';
import { serveCommand } from './serve.js';

export interface DevCommandOptions {
  host: string;
  port: number;
  out?: string;
  config?: string;
  debug?: boolean;
}

/**
 * `isr dev [root]`: the editing loop in one command. A site never built (no manifest) is built
 * first; then `isr serve --watch`, which re-renders what an edit touches and reloads the browser.
 * A build whose pages partly failed still serves (the failures are printed, and an edit that
 * fixes them re-renders them); bad input or config stops here, as `isr build` does.
 */
export async function devCommand(root: string, opts: DevCommandOptions): Promise<void> {
  const config = await loadConfig(root, { outDir: opts.out, configFile: opts.config });
  refuseStore(config, 'isr dev');
  if (!existsSync(config.manifestFile)) {
    createLogger({ debug: opts.debug }).info('no build yet: building first');
    await buildCommand(root, { out: opts.out, config: opts.config, debug: opts.debug });
    process.exitCode = undefined;
  }
  await serveCommand(root, { host: opts.host, port: opts.port, out: opts.out, config: opts.config, debug: opts.debug, watch: true });
}
