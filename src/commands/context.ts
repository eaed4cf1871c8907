import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { createLogger, type Logger } from '../logger.js';
import type { RunTuning } from '../run/run-types.js';

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

/**
 * The switches for tests and for bisecting a doubt, read from the environment here and nowhere
 * below the commands: ISR_SHARD_PATCH=0 (every shard read and written whole),
 * ISR_PAGES_PER_SHARD (the split aimed at), ISR_LOAD_TIMEOUT_MS (how long one load() may take).
 */
export function runTuning(env: NodeJS.ProcessEnv = process.env): RunTuning {
  const positive = (v: string | undefined) => {
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  const tuning: RunTuning = {};
  if (env.ISR_SHARD_PATCH === '0') tuning.shardPatch = false;
  const perShard = positive(env.ISR_PAGES_PER_SHARD);
  if (perShard) tuning.pagesPerShard = perShard;
  const timeout = Number(env.ISR_LOAD_TIMEOUT_MS);
  if (timeout) tuning.loadTimeoutMs = timeout;
  const lease = positive(env.ISR_LEASE_MS);
  if (lease) tuning.leaseMs = lease;
  return tuning;
}
