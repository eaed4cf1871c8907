/**
 * Which revalidation webhook the server has: on with a shared secret (`ISR_REVALIDATE_SECRET`
 * wins over `serve.revalidateSecret`) or with a `serve.verify` hook alone, off otherwise; made
 * again when watch mode reloads the config. Separate from create-server.ts so that the rule for
 * "is the webhook on, and with what" reads in one place; revalidate-webhook.ts handles a call.
 */
import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { RegenQueue } from './regen-queue.js';
import { createWebhook } from './revalidate-webhook.js';

/** The webhook secret in use: the environment's, else the config's. */
export const secretOf = (env: NodeJS.ProcessEnv, c: ResolvedConfig) => env.ISR_REVALIDATE_SECRET || c.serve.revalidateSecret || undefined;

export function makeWebhook(
  c: ResolvedConfig,
  { env, clock, logger, queue }: { env: NodeJS.ProcessEnv; clock: Clock; logger: Logger; queue: RegenQueue },
) {
  const secret = secretOf(env, c);
  // On with a shared secret, or with a verify hook (a CMS's signature) alone.
  if (!secret && !c.serve.verify) return undefined;
  // join: false. A webhook says "the data changed now"; a render already running may have read
  // it before the change, so the call waits for the next run (where concurrent calls merge:
  // a burst still costs a handful of renders) instead of being absorbed into a stale one.
  return createWebhook({
    secret,
    verify: c.serve.verify,
    map: c.serve.webhook,
    now: clock,
    logger,
    maxPaths: c.serve.maxRevalidatePaths,
    maxTags: c.serve.maxRevalidateTags,
    base: c.base,
    revalidate: (t) => queue.request({ ...t, join: false }),
  });
}
