import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, EXIT } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunResult } from '../run/run-site.js';
import type { ChangeSet } from '../types.js';
import { clearDelivered, keepPending, mergeChanges, pendingDir, readPending } from './pending-changes.js';
import { purgeChanges } from './purge-step.js';

/**
 * After a run that changed files: the config's `onChange` hook, then `--exec` with the change set
 * as JSON on stdin (and `ISR_OUT_DIR` set), for an upload of exactly those files, then the
 * config's CDN `purge` (skipped when a hook failed: the files may not be uploaded yet).
 * The set given is this run's changes merged with those earlier runs could not deliver
 * (pending-changes.ts); if a hook or the purge fails, the merged set is kept for the next run.
 */
export async function afterChange(
  config: ResolvedConfig,
  r: RunResult,
  exec: string | undefined,
  logger: Logger,
  now = Date.now(),
): Promise<number> {
  const own: ChangeSet = { written: r.written, removed: r.removed };
  // Only a run with a hook delivers: kept sets wait for one (a build without --exec does not drop them).
  if (!config.onChange && !exec && !config.purge) return EXIT.ok;
  const pending = readPending(config.stateDir, logger);
  const changes = pending.length ? mergeChanges([...pending, own]) : own;
  if (!changes.written.length && !changes.removed.length) {
    clearDelivered(pending); // sets that cancel out (written, then removed again before any delivery)
    return EXIT.ok;
  }
  if (pending.length)
    logger.info(
      `delivering ${pending.length === 1 ? 'a change set' : `${pending.length} change sets`} kept from earlier runs with this one's`,
    );
  let status: number = EXIT.ok;
  if (config.onChange) {
    try {
      await config.onChange(changes);
    } catch (err) {
      logger.error(`onChange hook failed: ${describeError(err)}`);
      status = EXIT.pageFailed;
    }
  }
  if (exec) {
    const code = await new Promise<number>((resolve) => {
      // Loaded only for --exec: node:child_process costs every other run a few ms of start-up.
      const { spawn } = process.getBuiltinModule('node:child_process');
      const child = spawn(exec, {
        shell: true,
        stdio: ['pipe', 'inherit', 'inherit'],
        env: { ...process.env, ISR_OUT_DIR: config.outDir },
      });
      child.on('error', () => resolve(127));
      child.on('close', (c) => resolve(c ?? 1));
      child.stdin.on('error', () => {}); // the command may not read stdin
      child.stdin.end(`${JSON.stringify(changes)}\n`);
    });
    if (code !== 0) {
      logger.error(`--exec command exited with status ${code}`);
      status = EXIT.pageFailed;
    }
  }
  if (status === EXIT.ok && !(await purgeChanges(config, changes, logger, now))) status = EXIT.pageFailed;
  if (status === EXIT.ok) clearDelivered(pending);
  else {
    try {
      await keepPending(config.stateDir, pending, own, now);
      logger.error(
        `the change set (${changes.written.length} written, ${changes.removed.length} removed) is kept in ${path.relative(process.cwd(), pendingDir(config.stateDir)) || '.'}/ and delivered with the next run's`,
      );
    } catch (err) {
      logger.error(`cannot keep the undelivered change set: ${describeError(err)}`);
    }
  }
  return status;
}
