/**
 * The publish of a run whose site lives in an object store (publish-run.ts is the filesystem's):
 * the files the run staged in its work folder are uploaded with the headers a host serves them
 * with, then the shards, then the head (the commit point, `ifVersion` the head read), then the
 * deletions, in batches. Only what the run staged is uploaded: a page whose bytes are unchanged
 * (judged through the manifest's outputHash) was never staged, and nothing lists the bucket.
 *
 * "No overlap and no stall can put an older render over a newer one": each page is put only over
 * the version the manifest recorded for it (`PageEntry.version`, the object's ETag, which the run
 * knows in advance: S3's ETag of a plain PUT is the MD5 of the bytes), or only where none is for a
 * page the manifest does not know. A 412 means another writer was there: the lease holder (which
 * rendered last) checks it still holds the lease, reads the object's version and puts over that;
 * a holder whose lease lapsed (a stall past it) fails its `assertHeld` and stops with LOCK_LOST,
 * leaving the newer bytes. The shards are put the same way (a crashed run may have left a shard
 * under the same generation's name), and so are the public assets and the site files (sitemaps,
 * `_headers`, `_redirects`): each over the version recorded when it was last uploaded (the public
 * record's `AssetRecord.version`; the head's `siteFiles`), so that a stalled holder's late sitemap
 * or asset cannot land over a newer one either.
 */
import { readFileSync, rmSync } from 'node:fs';
import { withBase } from '../config/base-path.js';
import { IsrError } from '../errors.js';
import type { Manifest, PageEntry } from '../manifest/manifest.js';
import { writeManifest } from '../manifest/write-manifest.js';
import { purgePaths } from '../purge/purge.js';
import { contentTypeOf } from '../serve/static-files.js';
import type { ObjectMeta, Store } from '../store/store.js';
import { cacheControl } from '../write/cache-control.js';
import { NOT_DURABLE } from '../write/durable.js';
import type { Stage } from '../write/stage.js';
import type { ExecutedRun } from './execute-run.js';
import { headKey, type ObjectRun } from './object-state.js';
import type { OpenedRun } from './open-run.js';
import type { PreparedPublish } from './prepare-publish.js';
import { routeFacts } from './prepare-publish.js';
import type { RunContext } from './run-types.js';

/** Uploads in flight at once when the store does not say (SiteStore.uploadConcurrency). */
export const UPLOAD_CONCURRENCY = 32;

/** Publishes the run to the object store; resolves to the store version of the head it wrote (none if it wrote none). */
export async function publishObjects(
  ctx: RunContext,
  objects: ObjectRun,
  run: OpenedRun,
  ex: ExecutedRun,
  prep: PreparedPublish,
  stage: Stage,
): Promise<string | undefined> {
  const { store, lease } = ctx;
  const { staged } = prep;
  const put = guardedPut(ctx);
  try {
    lease?.assertHeld();
    const meta = metaOf(ctx, ex);
    const expected = expectedVersions(run, ex);
    await inParallel([...stage.files], store.uploadConcurrency ?? UPLOAD_CONCURRENCY, async ([rel, tmp]) => {
      const version = await put(store.site, rel, tmp, expected(rel), meta(rel));
      // The version the next run's put of this asset is conditional on (saved with the record below).
      const asset = run.assets.write.has(rel) ? run.assets.assets.get(rel) : undefined;
      if (asset) asset.version = version;
    });
    lease?.assertHeld();
  } catch (err) {
    await stage.abort();
    await staged?.discard();
    throw err;
  }
  let version: string | undefined;
  let superseded: string[] = [];
  if (staged) {
    const shards = `${headKey(ctx.config).replace(/\.json$/, '')}-pages`;
    ({ version, superseded } = await staged.publishTo(
      async (tmp, name) => void (await put(store.state, `${shards}/${name}`, tmp, undefined)),
      headCommit(ctx, objects.headVersion),
    ));
    await dropSuperseded(ctx, shards, superseded, ex.manifest);
  }
  run.detected?.commit();
  if (run.recordStale || run.assets.write.size) run.saveRecord();
  return finishRemovals(ctx, run, ex, prep, version);
}

/**
 * A put under the guard above: `expected` is the version recorded for the object (none: the object
 * should not exist). On a failed precondition the holder, if it still holds the lease, puts over
 * what it finds; a second failure (another writer between the read and the put) fails the run.
 */
function guardedPut(ctx: RunContext) {
  return async (to: Store, key: string, file: string, expected: string | undefined, meta?: ObjectMeta): Promise<string> => {
    // Before every put, not only at the start: a process stopped in the middle of its uploads and
    // resumed past its lease stops here (no request: the lease's expiry by the clock) instead of
    // putting its pages over whatever the lease's next holder published meanwhile.
    ctx.lease?.assertHeld();
    // The bytes, not the file: the retry needs them again (a store consumes a `{ file }`).
    const bytes = new Uint8Array(readFileSync(file));
    rmSync(file, { force: true });
    try {
      return await to.put(key, bytes, { if: expected ? { ifVersion: expected } : { ifAbsent: true }, meta });
    } catch (err) {
      if (!(err instanceof IsrError && err.code === 'PRECONDITION_FAILED')) throw err;
    }
    ctx.lease?.assertHeld();
    const found = await to.head(key);
    return to.put(key, bytes, { if: found ? { ifVersion: found.version } : { ifAbsent: true }, meta });
  };
}

/**
 * The version each staged file's object has now, as recorded before the run: a page's in its
 * manifest entry, a site file's in the head read (`siteFiles`: the run's `ex.manifest` has its own),
 * an asset's in the public record. None recorded: the object should not exist (a 412 then costs
 * the lease holder a HEAD, as for a record written before versions were kept in it).
 */
function expectedVersions(run: OpenedRun, ex: ExecutedRun): (rel: string) => string | undefined {
  const byFile = new Map<string, string>(Object.entries(run.previous?.siteFiles ?? {}));
  for (const [rel, a] of run.assets.assets) if (a.version) byFile.set(rel, a.version);
  for (const entry of ex.before.values()) if (entry?.file && entry.version) byFile.set(entry.file, entry.version);
  return (rel) => byFile.get(rel);
}

/**
 * What each object carries: its Content-Type; a page's Cache-Control from its revalidate (the
 * value `_headers` gives it: write/cache-control.ts), the S3 website redirect of a redirect page
 * (its stub is the body), and with a Fastly purge its surrogate keys (its URL path and recorded
 * tags, as purge/fastly.ts purges them).
 */
function metaOf(ctx: RunContext, ex: ExecutedRun): (rel: string) => ObjectMeta {
  const { config } = ctx;
  const pages = new Map<string, [string, PageEntry]>();
  for (const p of [...ex.result.rendered, ...ex.result.failed.map((f) => f.path)]) {
    const entry = ex.manifest.pages[p];
    if (entry?.file) pages.set(entry.file, [p, entry]);
  }
  const fastly = config.purge?.provider === 'fastly';
  return (rel) => {
    const meta: ObjectMeta = { contentType: contentTypeOf(rel) };
    const page = pages.get(rel);
    if (!page) return meta;
    const [, entry] = page;
    meta.cacheControl = cacheControl(entry.revalidate);
    if (entry.status === 'redirect' && entry.redirect) meta.redirectTo = withBase(config.base, entry.redirect.destination);
    if (fastly) meta.surrogateKeys = [...purgePaths({ written: [rel], removed: [] }, config.base), ...(entry.tags ?? [])];
    return meta;
  };
}

/**
 * Shard files the new head no longer names. Deleted now when the run replaced several (a build, a
 * split, a large regen); a run that replaced one (a webhook, `--path`) leaves it, and every 16th
 * generation lists the shard folder and deletes every file the head does not name: a request
 * fewer for the small runs, at most ~16 stale shards in the store. Best effort: a shard left over
 * is deleted by a later sweep.
 */
async function dropSuperseded(ctx: RunContext, folder: string, superseded: readonly string[], m: Manifest): Promise<void> {
  const table = m.shards;
  if (!table) return;
  let stale = superseded.length > 1 ? superseded.map((f) => `${folder}/${f}`) : [];
  if (table.generation % SWEEP_EVERY === 0) {
    const named = new Set(Object.values(table.info).map((s) => `${folder}/${s.file}`));
    stale = [];
    for await (const o of ctx.store.state.list(`${folder}/`)) if (!named.has(o.key)) stale.push(o.key);
  }
  if (stale.length)
    await ctx.store.state.deleteMany(stale).catch((err) => ctx.o.logger.debug(`stale shards left: ${(err as Error).message}`));
}

/** Every this many generations, a run sweeps the shard folder (see dropSuperseded). */
const SWEEP_EVERY = 16;

/** The head put only over the version this run read (or only where none is): the commit point. */
function headCommit(ctx: RunContext, readVersion: string | undefined) {
  let expected = readVersion;
  return async (tmp: string) => {
    expected = await ctx.store.state.put(
      headKey(ctx.config),
      { file: tmp },
      { if: expected ? { ifVersion: expected } : { ifAbsent: true } },
    );
    return expected;
  };
}

/**
 * The deletions, after the head: removed assets no page took over, then the removals the
 * manifest lists (in batches: Store.deleteMany), after which the list is cleared by a second
 * write of the head, under the same precondition.
 */
async function finishRemovals(
  ctx: RunContext,
  run: OpenedRun,
  ex: ExecutedRun,
  prep: PreparedPublish,
  version: string | undefined,
): Promise<string | undefined> {
  const { config, o, store } = ctx;
  const { manifest } = ex;
  const gone = new Set(prep.removals);
  const assets = run.assets.removed.filter((f) => gone.has(f));
  const pending = manifest.pendingRemovals ?? [];
  if (assets.length || pending.length) await store.site.deleteMany([...new Set([...assets, ...pending])]);
  if (!pending.length) return version;
  manifest.pendingRemovals = [];
  let expected = version;
  const commit = async (tmp: string) => {
    expected = await store.state.put(headKey(config), { file: tmp }, { if: expected ? { ifVersion: expected } : { ifAbsent: true } });
    return expected;
  };
  // As on the file system: failing to clear the list only makes the next run retry the deletions.
  return writeManifest(
    config.manifestFile,
    manifest,
    { dirty: new Set(), routes: routeFacts(config), pagesPerShard: o.pagesPerShard },
    NOT_DURABLE,
    commit,
    // The run's change set still (manifest/head-change.ts), reached from the head just written too.
    prep.change && version !== undefined ? { ...prep.change, via: version } : undefined,
  )
    .then(() => expected)
    .catch((err) => {
      o.logger.warn(`${(err as Error).message} (the next run finishes the removals)`);
      return version;
    });
}

/** `fn` over `items`, at most `limit` at once; the first failure stops the rest from starting. */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
