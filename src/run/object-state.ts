/**
 * A run whose site lives in an object store (S3; the memory store in tests): the state reader.
 * The bucket is the truth; the run works in a local folder of its own, made for it and deleted
 * after it, that holds only what the run reads from the store:
 * - the manifest head (one GET), whose store version the new head must replace (the commit point);
 * - the shards the plan needs (one GET each, fetched before the run's page query reads them);
 * - the run records (one GET, `records.json`): the public folder's record (`public.json`) and the
 *   sources' change-detection states (`cache/<key>.changes.json`). (The versions of the site files
 *   last uploaded, which a run compares with instead of published files it does not have, are in
 *   the head, `Manifest.siteFiles`, written with it at every commit: no request of their own.)
 * Everything below the run (detect-changes.ts, public-assets.ts, the manifest's reader and
 * writer) keeps reading and writing files in that folder; the records are put back (one PUT, only
 * when one changed) after the publish. The publish itself is object-publish.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { IsrError } from '../errors.js';
import { type Manifest, openManifest, readManifest, shardDir } from '../manifest/manifest.js';
import type { SiteStore } from '../store/store.js';

/** Shards read from the store at once. */
const FETCH_CONCURRENCY = 16;

/** The state store's key of the run records. */
export const RECORDS_KEY = 'records.json';

interface RecordsFile {
  version: 1;
  /** State-folder-relative file → its text (public.json, cache/<key>.changes.json). */
  files: Record<string, string>;
}

export interface ObjectRun {
  /** The run's config, its folders (outDir, stateDir, manifestFile, cacheDir) in the work folder. */
  readonly config: ResolvedConfig;
  /** Where the site is, for messages (`s3://bucket/prefix`). */
  readonly where: string;
  /** Store version of the head read (none: no head yet). */
  headVersion?: string;
  /** Site files as last uploaded: file → store version (from the head; the run's changes go into its new head). */
  readonly siteFiles: Map<string, string>;
  /** Fetch the shard files these ids name (those not fetched yet) into the work folder. */
  fetchShards(m: Manifest, ids: Iterable<string> | 'all'): Promise<void>;
  /** True when the records in the work folder differ from those read (a run must put them back). */
  recordsChanged(): boolean;
  /**
   * After a lease taken over from a run that died: the pages whose object in the store is not the
   * version their entry records (that run uploaded them and never committed its head), found by
   * listing the site (one request per 1,000 objects) with every shard read. The run renders them
   * again, so that every entry names its object again.
   */
  diverged(m: Manifest, read: (m: Manifest) => void): Promise<string[]>;
  /** Put the records back if the run changed one (after its publish, under its lease). */
  saveRecords(): Promise<void>;
  /** Delete the work folder. */
  dispose(): void;
}

/** The manifest head's key in the state store (the name of the configured manifest file). */
export function headKey(config: ResolvedConfig): string {
  return path.basename(config.manifestFile);
}

/**
 * The whole manifest of a site in an object store (`isr status`): the head, then every shard it
 * names; undefined when the store has no head.
 */
export async function readObjectManifest(config: ResolvedConfig, store: SiteStore, where: string): Promise<Manifest | undefined> {
  const run = await openObjectRun(config, store, where, { records: false });
  try {
    const head = openManifest(run.config.manifestFile, config.root);
    if (!head) return undefined;
    await run.fetchShards(head, 'all');
    return await readManifest(run.config.manifestFile, config.root);
  } finally {
    run.dispose();
  }
}

/** Reads the head and the records from the store into a new work folder. */
export async function openObjectRun(config: ResolvedConfig, store: SiteStore, where: string, o = { records: true }): Promise<ObjectRun> {
  sweepDeadWork();
  const work = mkdtempSync(path.join(os.tmpdir(), `isr-run-${process.pid}-`));
  try {
    const stateDir = path.join(work, 'state');
    const local: ResolvedConfig = Object.freeze({
      ...config,
      outDir: path.join(work, 'site'),
      stateDir,
      manifestFile: path.join(stateDir, headKey(config)),
      cacheDir: path.join(stateDir, 'cache'),
    });
    mkdirSync(path.join(stateDir, 'cache'), { recursive: true });
    const [head, recordsObject] = await Promise.all([
      store.state.get(headKey(config)),
      o.records ? store.state.get(RECORDS_KEY) : undefined,
    ]);
    if (head) writeFileSync(local.manifestFile, head.body);
    const records = parseRecords(recordsObject?.body, config);
    for (const [rel, text] of Object.entries(records.files)) writeFileSync(path.join(stateDir, rel), text);
    return objectRun(local, store, where, work, head?.version, records);
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

function objectRun(
  config: ResolvedConfig,
  store: SiteStore,
  where: string,
  work: string,
  headVersion: string | undefined,
  records: RecordsFile,
): ObjectRun {
  const fetched = new Set<string>();
  const siteFiles = new Map<string, string>();
  const shards = shardDir(config.manifestFile);
  const shardsKey = path.basename(shards);
  // The records as the work folder has them now (in the order they are read, so equal records compare equal).
  const current = (): RecordsFile => {
    const now: RecordsFile = { version: 1, files: {} };
    for (const rel of recordFiles(config)) {
      try {
        now.files[rel] = readFileSync(path.join(config.stateDir, rel), 'utf8');
      } catch {}
    }
    return now;
  };
  return {
    config,
    where,
    headVersion,
    siteFiles,
    async fetchShards(m, ids) {
      const table = m.shards;
      if (!table) return;
      const names = (ids === 'all' ? Object.keys(table.info) : [...ids])
        .map((id) => table.info[id]?.file)
        .filter((f): f is string => f !== undefined && !fetched.has(f));
      if (!names.length) return;
      mkdirSync(shards, { recursive: true });
      // At most FETCH_CONCURRENCY at once: a 100k-page site read whole (isr status, a split) is 256 shards.
      let next = 0;
      const worker = async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const got = await store.state.get(`${shardsKey}/${name}`);
          if (!got) {
            throw new IsrError(
              'MANIFEST_CORRUPT',
              `the manifest in ${where} names the shard ${shardsKey}/${name}, which is not in the store`,
              {
                hint: 'run `isr build` to write the manifest whole again',
              },
            );
          }
          writeFileSync(path.join(shards, name), got.body);
          fetched.add(name);
        }
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, names.length) }, worker));
    },
    async diverged(m, read) {
      await this.fetchShards(m, 'all');
      read(m);
      const byFile = new Map<string, [string, string]>();
      for (const [p, e] of Object.entries(m.pages)) if (e.file && e.version) byFile.set(e.file, [p, e.version]);
      const out: string[] = [];
      for await (const o of store.site.list('')) {
        const known = byFile.get(o.key);
        if (known && known[1] !== o.version) out.push(known[0]);
      }
      return out;
    },
    recordsChanged() {
      return JSON.stringify(current()) !== JSON.stringify(records);
    },
    async saveRecords() {
      const now = current();
      if (JSON.stringify(now) === JSON.stringify(records)) return;
      await store.state.put(RECORDS_KEY, new TextEncoder().encode(JSON.stringify(now)));
      records = now;
    },
    dispose() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Work folders of runs whose process is gone (killed: a signal deletes its own). Best effort. */
function sweepDeadWork(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^isr-run-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state files a run may write that the records carry: public.json and each source's change state. */
function recordFiles(config: ResolvedConfig): string[] {
  const sources = Object.keys(config.sources).map((key) => `cache/${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.changes.json`);
  return ['public.json', ...sources];
}

function parseRecords(body: Uint8Array | undefined, config: ResolvedConfig): RecordsFile {
  const empty: RecordsFile = { version: 1, files: {} };
  if (!body) return empty;
  try {
    const r = JSON.parse(new TextDecoder().decode(body)) as RecordsFile;
    // An unreadable record costs a full comparison (every asset and site file uploaded again), never a missed change.
    if (r?.version !== 1 || typeof r.files !== 'object' || !r.files) return empty;
    // Kept in the order `current` reads them, and only the files this config has (a source removed is dropped).
    const files: Record<string, string> = {};
    for (const rel of recordFiles(config)) if (typeof r.files[rel] === 'string') files[rel] = r.files[rel];
    return { version: 1, files };
  } catch {
    return empty;
  }
}
