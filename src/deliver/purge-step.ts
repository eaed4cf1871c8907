/**
 * The CDN purge of a command (config `purge`, src/purge/): checked before the run, sent after
 * the publish with the change set the run's hooks get (its own merged with those kept from runs
 * whose delivery failed), printed instead of sent by `isr regen --dry-run`.
 */
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Env, missingCredentials, type PurgeInput, type PurgeRequest, purgePaths, sendPurge, siteUrlOf } from '../purge/purge.js';
import type { ChangeSet } from '../types.js';

/** Refuse a run whose purge could not be sent (no credentials, no site.url), before it publishes anything. */
export function checkPurge(config: ResolvedConfig, env: Env = process.env): void {
  const target = config.purge;
  if (!target) return;
  const problem = target.check?.({ siteUrl: siteUrlOf(config.site.url, config.base) });
  if (problem) throw new IsrError('CONFIG_INVALID', `purge: ${target.provider}: ${problem}`, { hint: 'see "CDN purge" in the README' });
  const missing = missingCredentials(target, env);
  if (missing.length)
    throw new IsrError('PURGE_CREDENTIALS', `purge: ${target.provider} needs ${missing.join(' and ')} in the environment`, {
      hint: `set ${missing.length === 1 ? 'it' : 'them'} (as CI secrets), or remove purge from the config`,
    });
}

function inputOf(config: ResolvedConfig, changes: ChangeSet, now: number): PurgeInput {
  return { paths: purgePaths(changes, config.base), siteUrl: siteUrlOf(config.site.url, config.base), base: config.base, now };
}

/** The requests a purge of these changes sends, without credentials (`--dry-run`). */
export function purgeRequests(config: ResolvedConfig, changes: ChangeSet, now: number): PurgeRequest[] {
  return config.purge ? config.purge.requests(inputOf(config, changes, now)) : [];
}

/** Send the purge; false (with one line logged) when it failed: the caller keeps the change set. */
export async function purgeChanges(config: ResolvedConfig, changes: ChangeSet, logger: Logger, now: number): Promise<boolean> {
  const target = config.purge;
  if (!target) return true;
  const input = inputOf(config, changes, now);
  if (!input.paths.length) return true;
  try {
    const sent = await sendPurge(target, input, process.env);
    logger.info(
      `purged ${target.provider}: ${input.paths.length} URL${input.paths.length === 1 ? '' : 's'} in ${sent} request${sent === 1 ? '' : 's'}`,
    );
    return true;
  } catch (err) {
    logger.error(describeError(err));
    return false;
  }
}

/** `--dry-run`: one line per request that would be sent (no credentials in it). */
export function printPurgePlan(requests: readonly PurgeRequest[], out: (s: string) => void): void {
  for (const r of requests) out(`purge ${r.method} ${r.url}  ${r.what}: ${r.body}`);
}
