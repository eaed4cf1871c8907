import { checkPurge } from '../deliver/purge-step.js';
import { afterChangeWithStore } from '../deliver/store-pending.js';
import { exitCleanlyOnSignals } from '../run/interrupt.js';
import { runSite } from '../run/run-site.js';
import type { StoreFlags } from '../store/s3-config.js';
import { type CommonOptions, commandContext, commandStore, runTuning } from './context.js';
import { warnHostLimits } from './host-limits.js';
import { exitCodeFor, printSummary, resultJson } from './report.js';

/** `isr build [root]`: render every page, remove vanished ones, write the manifest. */
export async function buildCommand(root: string, opts: CommonOptions & StoreFlags & { wait?: number; detect?: boolean }): Promise<void> {
  exitCleanlyOnSignals();
  const { config, logger, now } = await commandContext(root, opts);
  checkPurge(config);
  const where = await commandStore(config, opts);
  const result = await runSite(config, {
    mode: 'build',
    now,
    logger,
    waitSeconds: opts.wait,
    command: 'isr build',
    ...runTuning(),
    ...where,
    detect: opts.detect !== false,
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(resultJson(result))}\n`);
  else printSummary(logger, 'built', result);
  // (In a store the host files are objects: the S3 store needs no _headers, so no host limit applies.)
  if (!where.store) warnHostLimits(config, result.written, logger);
  const hook = await afterChangeWithStore(config, where.store, result, undefined, logger, now);
  process.exitCode = exitCodeFor(result) || hook;
}
