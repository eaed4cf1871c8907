import kleur from 'kleur';
import { EXIT } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunResult } from '../run/run-site.js';

/**
 * The pages the run rendered. A page whose `load` said notFound went through the renderer's
 * path but was not rendered: it is gone (its file, if it had one, is under `removed`).
 */
export function renderedPages(r: RunResult): string[] {
  return r.rendered.filter((p) => r.manifest.pages[p]?.status !== 'notFound');
}

/** The `--json` object of build and regen. File paths are relative to outDir. */
export function resultJson(r: RunResult, extra: Record<string, unknown> = {}) {
  return {
    rendered: renderedPages(r),
    written: r.written,
    unchanged: r.unchanged,
    removed: r.removed,
    failed: r.failed,
    /** Routes whose `paths()` failed: their pages were kept as they were. */
    listingFailed: r.listingErrors,
    ...extra,
    durationMs: Math.round(r.durationMs),
  };
}

/** The human summary: one line of counts and time, then one line per failure. */
export function printSummary(logger: Logger, verb: string, r: RunResult): void {
  for (const f of r.failed) logger.error(f.error);
  for (const l of r.listingErrors) logger.error(l.error);
  const secs = (r.durationMs / 1000).toFixed(2);
  const failed = r.failed.length + r.listingErrors.length;
  const counts = [
    `${r.written.length} written`,
    `${r.unchanged.length} unchanged`,
    `${r.removed.length} removed`,
    failed ? kleur.red(`${failed} failed`) : '0 failed',
  ].join(', ');
  const rendered = renderedPages(r).length;
  logger.info(`${verb} ${rendered} page${rendered === 1 ? '' : 's'} in ${secs}s: ${counts}`);
}

export function exitCodeFor(r: RunResult): number {
  return r.failed.length || r.listingErrors.length || r.plan.errors.length ? EXIT.pageFailed : EXIT.ok;
}
