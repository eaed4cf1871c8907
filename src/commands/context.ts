import { systemClock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { IsrError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import type { RunTuning } from '../run/run-types.js';
import { chosenStore, describeStore, openStore, type StoreFlags } from '../store/s3-config.js';
import type { SiteStore } from '../store/store.js';

export interface CommonOptions {
  out?: string;
  concurrency?: number;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
  /** `--config <file>` */
  config?: string;
}

/**
 * `isr serve` and `isr dev` serve the local output folder: with the site in a store they would
 * serve (and regenerate) a folder nothing publishes, so they refuse, naming the way out.
 */
export function refuseStore(config: ResolvedConfig, command: string): void {
  if (!config.store) return;
  throw new IsrError(
    'USAGE',
    `${command} serves the local output folder, but this site lives in ${describeStore(config.store)} (store in the config)`,
    {
      hint: 'serve the bucket with its host (S3 website, CloudFront, R2), or use a config without store for local work (--config)',
    },
  );
}

/**
 * The store the flags (`--store s3://…`, `--endpoint`, `--region`) or the config name, opened
 * with the credentials of this process's environment; undefined: the local folders.
 */
export async function commandStore(config: ResolvedConfig, flags: StoreFlags): Promise<{ store?: SiteStore }> {
  const chosen = chosenStore(flags, config.store);
  return chosen ? { store: await openStore(chosen, process.env) } : {};
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
