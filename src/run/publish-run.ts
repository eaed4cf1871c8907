/**
 * Stage five of a run, the publish: renames only (no new space needed). The pages, then the
 * manifest head (the commit point: a store write only over the head version the run read), then
 * the deletions. A rename failing midway leaves pages newer than the manifest, which the
 * invariant allows (they render again when due). Each step reaches the disk before the next
 * (write/durable.ts), so a power loss keeps that order too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeError, IsrError, isrError } from '../errors.js';
import { type CommitHead, writeManifest } from '../manifest/write-manifest.js';
import { removeFiles } from '../write/remove-files.js';
import type { Stage } from '../write/stage.js';
import type { ExecutedRun } from './execute-run.js';
import { publishObjects } from './object-publish.js';
import type { OpenedRun } from './open-run.js';
import type { PreparedPublish } from './prepare-publish.js';
import { routeFacts } from './prepare-publish.js';
import type { RunContext } from './run-types.js';

/** Publishes the run; resolves to the store version of the head it wrote (none if it wrote none). */
export async function publishRun(
  ctx: RunContext,
  run: OpenedRun,
  ex: ExecutedRun,
  prep: PreparedPublish,
  stage: Stage,
): Promise<string | undefined> {
  if (ctx.objects) return publishObjects(ctx, ctx.objects, run, ex, prep, stage);
  const { lease, durable } = ctx;
  const { staged } = prep;
  try {
    // The commit point for the pages: publish only while this run still holds the lease.
    lease?.assertHeld();
    await stage.commit(durable, staged?.temps);
    // Without a manifest to publish, the renames reach the disk now; else with its shards.
    if (!staged) await durable.flush(stage.renamedDirs);
    // Again before the manifest: the flushes of a large commit can take a while.
    lease?.assertHeld();
  } catch (err) {
    await stage.abort();
    await staged?.discard();
    throw err;
  }
  let version: string | undefined;
  if (staged) {
    try {
      version = await staged.publish(durable, true, stage.renamedDirs, headCommit(ctx, run.headVersion));
    } catch (err) {
      if (err instanceof IsrError && err.code === 'PRECONDITION_FAILED') throw err;
      throw isrError('WRITE_FAILED', ['the manifest', (err as Error).message], {
        hint: 'check the folder of the manifest is writable',
        cause: err,
      });
    }
  }
  // What the sources reported is now published: the next run compares from here.
  run.detected?.commit();
  return finishRemovals(ctx, run, ex, prep, version);
}

/**
 * The head put through the state store, only over the version this run read (or only where
 * none is, for a first build): with the lease, what keeps an older render from replacing a
 * newer one even when a lease lapsed.
 */
function headCommit(ctx: RunContext, readVersion: string | undefined): CommitHead {
  const key = path.basename(ctx.config.manifestFile);
  let expected = readVersion;
  return async (tmp) => {
    expected = await ctx.store.state.put(key, { file: tmp }, { if: expected ? { ifVersion: expected } : { ifAbsent: true } });
    return expected;
  };
}

/**
 * Removed assets no page took over (deleted here too: a run that changed only assets writes no
 * manifest, so no pendingRemovals), then the public folder's record, then the removals listed in
 * the manifest, after which the list is cleared by a second write of the head.
 */
async function finishRemovals(ctx: RunContext, run: OpenedRun, ex: ExecutedRun, prep: PreparedPublish, version: string | undefined) {
  const { config, o, durable } = ctx;
  const { manifest } = ex;
  if (run.assets.removed.length) {
    const gone = new Set(prep.removals);
    await removeFiles(
      config.outDir,
      run.assets.removed.filter((f) => gone.has(f)),
    );
  }
  if (run.recordStale || run.assets.write.size) run.saveRecord();
  if (!manifest.pendingRemovals?.length) return version;
  await removeFiles(config.outDir, manifest.pendingRemovals);
  const emptied = new Set(manifest.pendingRemovals.map((f) => nearestFolder(path.dirname(path.join(config.outDir, f)), config.outDir)));
  manifest.pendingRemovals = [];
  // Everything is published; failing to clear the list only makes the next run retry the
  // (idempotent) deletions, so it must not turn a good run into a failed one. The deletions
  // reach the disk first: a list cleared while they were lost would orphan the files.
  return durable
    .flush([...emptied])
    .then(() =>
      writeManifest(
        config.manifestFile,
        manifest,
        { dirty: new Set(), routes: routeFacts(config), pagesPerShard: o.pagesPerShard },
        durable,
        headCommit(ctx, version),
      ),
    )
    .catch((err) => {
      o.logger.warn(`${describeError(err)} (the next run finishes the removals)`);
      return version;
    });
}

/** The folder itself, or its nearest ancestor still there (removeFiles deletes emptied folders). */
function nearestFolder(dir: string, outDir: string): string {
  while (dir.length > outDir.length && !existsSync(dir)) dir = path.dirname(dir);
  return dir;
}
