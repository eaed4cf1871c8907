import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { createLogger, type Logger } from '../logger.js';

export interface CommonOptions {
  out?: string;
  concurrency?: number;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  /** `--config <file>` */
  config?: string;
}

/** What every command starts with: a logger, the time, and the resolved config. */
export async function commandContext(root: string, opts: CommonOptions): Promise<{ config: ResolvedConfig; logger: Logger; now: number }> {
  const logger = createLogger({ quiet: opts.quiet || opts.json, debug: opts.debug });
  const now = systemClock()();
  const config = await loadConfig(root, { outDir: opts.out, concurrency: opts.concurrency, configFile: opts.config });
  return { config, logger, now };
}
