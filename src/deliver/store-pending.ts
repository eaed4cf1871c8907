/**
 * Pending change sets (pending-changes.ts) of a site whose state lives in a store: kept as
 * objects under the state's `pending-changes/`, so that a purge or hook that failed on one bare CI
 * runner is delivered by the next run on another. The delivery code is the folder's, unchanged:
 * the sets are read from the store into a temp folder, the delivery runs over it, and the sets it
 * kept are put back and those it delivered deleted. One LIST per run with a hook or a purge (and
 * a GET per set kept, when there are any).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { RunResult } from '../run/run-site.js';
import type { SiteStore, Store } from '../store/store.js';
import { afterChange } from './after-change.js';
import { type PendingSet, pendingDir, readPending } from './pending-changes.js';

const PREFIX = 'pending-changes/';

/**
 * Runs `use` over a state folder holding the store's pending sets, then writes back what it
 * changed there: sets added are put (only where absent: names are unique), sets removed deleted.
 */
export async function withStorePending<T>(state: Store, use: (stateDir: string) => Promise<T>, o: { readOnly?: boolean } = {}): Promise<T> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'isr-pending-'));
  const dir = pendingDir(work);
  try {
    mkdirSync(dir, { recursive: true });
    const before = new Set<string>();
    for await (const info of state.list(PREFIX)) {
      const name = info.key.slice(PREFIX.length);
      if (!/^[A-Za-z0-9_.-]+\.json$/.test(name)) continue;
      const got = await state.get(info.key);
      if (!got) continue; // delivered by another run meanwhile
      writeFileSync(path.join(dir, name), got.body);
      before.add(name);
    }
    const result = await use(work);
    if (o.readOnly) return result;
    const after = new Set(readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.')));
    for (const name of after) {
      if (!before.has(name))
        await state.put(`${PREFIX}${name}`, new Uint8Array(readFileSync(path.join(dir, name))), { if: { ifAbsent: true } });
    }
    const delivered = [...before].filter((n) => !after.has(n)).map((n) => `${PREFIX}${n}`);
    if (delivered.length) await state.deleteMany(delivered);
    return result;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `afterChange`, with the pending sets in `store` when the site lives in one. */
export async function afterChangeWithStore(
  config: ResolvedConfig,
  store: SiteStore | undefined,
  r: RunResult,
  exec: string | undefined,
  logger: Logger,
  now: number,
): Promise<number> {
  // Without a hook there is nothing to deliver, and no request is spent listing the sets.
  if (!store || (!config.onChange && !exec && !config.purge)) return afterChange(config, r, exec, logger, now);
  return withStorePending(store.state, (stateDir) => afterChange({ ...config, stateDir }, r, exec, logger, now));
}

/** The kept sets, read only: from the store when the site lives in one (`isr status`, `isr regen --dry-run`), else from its folder. */
export async function readPendingSets(config: ResolvedConfig, store: SiteStore | undefined): Promise<PendingSet[]> {
  if (!store) return readPending(config.stateDir);
  return withStorePending(store.state, async (stateDir) => readPending(stateDir), { readOnly: true });
}
