/**
 * Stage one of a run, under the lease: what it starts from. The manifest head (from the files,
 * or from the manifest `isr serve` holds while the head on disk is still that one) with its
 * version, which the new head must replace (the commit point); the templates; the public
 * folder's assets; and what the sources' `changes` hooks report.
 */
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import { openHeld } from '../manifest/held.js';
import { type Manifest, openHead } from '../manifest/manifest.js';
import { fileReader, heldReader, type PageReader } from '../manifest/page-reader.js';
import type { PlanOptions, PlanRoute } from '../plan/plan-regen.js';
import { Renderer } from '../render/renderer.js';
import { planRoutes } from '../routes/list-paths.js';
import type { SourceSet } from '../sources/source-set.js';
import { listResources } from '../write/page-resources.js';
import { type AssetPlan, readPublicRecord, recordedAssets, sameRecord, scanAssets, writePublicRecord } from '../write/public-assets.js';
import { type DetectedChanges, detectChanges } from './detect-changes.js';
import type { RunContext } from './run-types.js';

export interface OpenedRun {
  /** The head read (pages not loaded yet: `read` adds the ones the plan needs); none in a first build. */
  previous?: Manifest;
  /** Store version of that head: the new head is put only over this one. */
  headVersion?: string;
  read: PageReader;
  renderer: Renderer;
  routes: PlanRoute[];
  templateHashes: Map<string, string>;
  assets: AssetPlan;
  /** The public folder's record differs from the scan: save it after the publish. */
  recordStale: boolean;
  saveRecord(): void;
  detected?: DetectedChanges;
  /** The run's plan options with the detected changes added. */
  planOptions: PlanOptions;
}

export async function openRun(ctx: RunContext, sources: SourceSet): Promise<OpenedRun> {
  const { config, o } = ctx;
  // The head only: pages stay on disk until the run knows which shards it needs.
  const fromMemory = o.held && openHeld(o.held, config.manifestFile);
  const head = fromMemory ? { manifest: fromMemory, version: o.held!.signature } : openHead(config.manifestFile, config.root);
  const previous = head?.manifest;
  for (const [file, h] of Object.entries(previous?.siteFiles ?? {})) ctx.objects?.siteFiles.set(file, h);
  if (!previous && o.mode === 'regen') throw manifestMissing(config, ctx.objects?.where);
  // Shards needed only for named pages are read by their lines (manifest/shard-patch.ts), but not
  // for `isr serve` (o.held), which adopts whole shards into the manifest it holds, even when the
  // head on disk moved on and the run reads the files.
  const byLines = !o.held && o.shardPatch !== false;
  const read = fromMemory ? heldReader(o.held!) : fileReader(config.manifestFile, config.root, { byLines });
  const renderer = await Renderer.create(config);
  // public/ first: `asset()` hashes are part of the template closures compared below.
  const assets = openAssets(ctx);
  renderer.useAssets(assets.assets.assets);
  // Deps recorded by earlier runs count for templates whose own text has not changed; a
  // changed template re-renders its pages anyway, which records its deps afresh.
  for (const [t, entry] of Object.entries(previous?.templates ?? {})) {
    if (renderer.fileHashes.get(t) === entry.hash) for (const d of entry.deps) renderer.depsOf(t).add(d);
  }
  const templateHashes = new Map(config.routes.map((r) => [r.template, renderer.closureHash(r.template)]));
  // Under the lease: two overlapping runs must not both take the same changes for theirs.
  const detected = o.detect ? await detectChanges(config, sources, o) : undefined;
  let planOptions: PlanOptions = detected?.tags.length ? { ...o, changedTags: detected.tags } : o;
  // A run that died mid-publish in an object store may have left pages newer than their entries:
  // rendered again (named), so that each entry names its object (object-state.ts#diverged).
  if (ctx.objects && ctx.lease?.recovered && previous) {
    const again = await ctx.objects.diverged(previous, (m) => read(m, { shards: 'all' }));
    if (again.length) {
      o.logger.info(`a run that died left ${again.length} page(s) newer than the manifest in ${ctx.objects.where}: rendering them again`);
      planOptions = { ...planOptions, paths: [...(planOptions.paths ?? []), ...again] };
    }
  }
  return {
    ...(previous ? { previous, headVersion: ctx.objects ? ctx.objects.headVersion : head!.version } : {}),
    read,
    renderer,
    routes: planRoutes(config),
    templateHashes,
    ...assets,
    detected,
    planOptions,
  };
}

/**
 * The public folder's assets. Named-only runs (isr serve's webhooks, fallbacks, stale pages)
 * take the recorded hashes, and scan only when there is no record (a site with no assets: one
 * failed lookup of the folder).
 */
function openAssets({ config, o, objects }: RunContext): Pick<OpenedRun, 'assets' | 'recordStale' | 'saveRecord'> {
  const record = readPublicRecord(config.stateDir);
  const fromRecord = o.onlyNamed && Object.keys(record).length > 0;
  // In an object store the record alone says what the site has (there is no output folder here to compare with).
  const published = objects ? undefined : config.outDir;
  const assets = fromRecord ? recordedAssets(record) : scanAssets(config.publicDir, published, record, listResources(config));
  return {
    assets,
    recordStale: !fromRecord && !sameRecord(record, assets.assets),
    saveRecord() {
      // A cache: failing to write it costs the next run some hashing, not a failed run.
      try {
        writePublicRecord(config.stateDir, assets.assets);
      } catch (err) {
        o.logger.warn(`cannot record the public folder's hashes: ${describeError(err)} (the next run hashes them again)`);
      }
    },
  };
}

export function manifestMissing(config: ResolvedConfig, store?: string): IsrError {
  if (store) return new IsrError('MANIFEST_MISSING', `no manifest in ${store}`, { hint: 'run `isr build` with this store first' });
  return new IsrError('MANIFEST_MISSING', `no manifest at ${path.relative(config.root, config.manifestFile)}`, {
    hint: 'run `isr build` first (in CI, restore the output folder and .isr/ from the cache before `isr regen`)',
  });
}
