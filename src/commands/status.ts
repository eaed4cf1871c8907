import path from 'node:path';
import { mergeChanges, pendingDir } from '../deliver/pending-changes.js';
import { readPendingSets } from '../deliver/store-pending.js';
import { IsrError } from '../errors.js';
import { type Manifest, readManifest } from '../manifest/manifest.js';
import { pageIsDue } from '../plan/page-rules.js';
import { readObjectManifest } from '../run/object-state.js';
import type { StoreFlags } from '../store/s3-config.js';
import { commandContext, commandStore } from './context.js';

export interface SiteStatus {
  pages: number;
  due: number;
  /** Earliest future expiry (ISO) among pages with a timer, or null. */
  nextExpiry: string | null;
  /** When the longest-overdue of the `due` pages fell due (ISO), or null when none is due. */
  overdueSince: string | null;
  failing: { path: string; error: string; attempts: number; retryAt: string | null }[];
  byStatus: Record<string, number>;
}

/** Pure summary of a manifest at `now` (tested without a disk). */
export function summarize(m: Manifest, now: number): SiteStatus {
  let due = 0;
  let next = Infinity;
  let overdue = Infinity;
  const byStatus: Record<string, number> = {};
  const failing: SiteStatus['failing'] = [];
  for (const [p, e] of Object.entries(m.pages)) {
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
    let at = e.status === 'error' ? (e.retryAt ?? 0) : e.revalidate === false ? Infinity : e.builtAt + e.revalidate * 1000;
    if (at > MAX_DATE_MS) at = Infinity; // a revalidate of millennia: as good as none, and no Date can hold it
    if (pageIsDue(e, now)) {
      due++;
      overdue = Math.min(overdue, at);
    } else next = Math.min(next, at);
    if (e.status === 'error')
      failing.push({ path: p, error: e.error ?? '', attempts: e.attempts ?? 0, retryAt: e.retryAt ? isoOrNull(e.retryAt) : null });
  }
  return {
    pages: Object.keys(m.pages).length,
    due,
    nextExpiry: isoOrNull(next),
    overdueSince: due ? isoOrNull(overdue) : null,
    failing,
    byStatus,
  };
}

/** The largest epoch ms a Date can hold. */
const MAX_DATE_MS = 8.64e15;

/** A time as ISO, or null for none (or one past what a Date can hold): never a RangeError. */
function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : null;
}

/** The "next expiry" line: a time, or why there is none. */
function nextExpiryLine(s: SiteStatus): string {
  if (s.nextExpiry) return s.nextExpiry;
  if (s.due) return `none later (every page with a timer is due now; run \`isr regen\`)`;
  return 'none (no page has a revalidate timer)';
}

/** `isr status [root]`. */
export async function statusCommand(root: string, opts: StoreFlags & { json?: boolean; debug?: boolean; config?: string }): Promise<void> {
  const { config, now } = await commandContext(root, { ...opts, quiet: true });
  const { store } = await commandStore(config, opts);
  const where = store?.where ?? 'the store';
  const m = store ? await readObjectManifest(config, store, where) : await readManifest(config.manifestFile, config.root);
  if (!m) {
    throw new IsrError(
      'MANIFEST_MISSING',
      `no manifest ${store ? `in ${where}` : `at ${path.relative(config.root, config.manifestFile)}`}`,
      {
        hint: store ? 'run `isr build` with this store first' : 'run `isr build` first',
      },
    );
  }
  const s = summarize(m, now);
  // Change sets a hook (onChange, --exec) failed to take: the next run with a hook delivers them.
  const sets = await readPendingSets(config, store);
  const pending = sets.length ? { ...mergeChanges(sets), since: new Date(sets[0]!.at).toISOString(), sets: sets.length } : null;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...s, pendingChanges: pending })}\n`);
    return;
  }
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(
    `${s.pages} pages (${Object.entries(s.byStatus)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')})`,
  );
  out(`${s.due} due now${s.overdueSince ? ` (overdue since ${s.overdueSince})` : ''}`);
  out(`next expiry: ${nextExpiryLine(s)}`);
  if (s.failing.length) {
    out(`${s.failing.length} failing:`);
    for (const f of s.failing) out(`  ${f.path}  attempts ${f.attempts}, next retry ${f.retryAt ?? '-'}: ${f.error}`);
  }
  if (pending) {
    out(
      `changes not yet delivered to onChange/--exec (since ${pending.since}, in ${store ? `the state of ${where}, pending-changes` : path.relative(config.root, pendingDir(config.stateDir))}/): ${pending.written.length} written, ${pending.removed.length} removed`,
    );
    // The first few: a site's worth would drown the rest (--json has them all).
    const lines = [...pending.written.map((f) => `  written ${f}`), ...pending.removed.map((f) => `  removed ${f}`)];
    for (const l of lines.slice(0, 20)) out(l);
    if (lines.length > 20) out(`  … and ${lines.length - 20} more (isr status --json lists them all)`);
  }
}
