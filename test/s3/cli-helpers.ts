/**
 * What the tests that drive `isr` through the CLI against the real Ceph RGW share: the flags and
 * environment of a run whose site lives in the bucket (`--store s3://bucket/prefix --endpoint`,
 * credentials in AWS_*), and a view of the bucket through the S3 store's own client, to check
 * what a run left there: object bodies, metadata, the manifest.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import { hash } from '../../src/hash.js';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import type { ObjectMeta, SiteStore } from '../../src/store/store.js';
import { BIN } from '../helpers/site.js';
import { type Counter, genCounterSite, startCounter } from '../reliability/harness/counter-site.js';
import { copyDir, startIsr } from '../reliability/harness/util.js';
import { describeS3, emptyStore, S3, uniquePrefix } from './helpers.js';

/** Whether this build of isr has `--store` on its commands (issue 20 item 1, the run through the store). */
export const cliHasStore = /--store\b/.test(execFileSync(process.execPath, [BIN, 'regen', '--help'], { encoding: 'utf8' }));

/**
 * `describeS3` for tests that run isr with `--store s3://…`: skipped loudly when the CLI has no
 * `--store` yet, so a missing feature reads as missing, never as passed.
 */
export function describeS3Cli(name: string, body: () => void): void {
  if (cliHasStore) {
    describeS3(name, body);
    return;
  }
  process.stderr.write(`\n*** isr has no --store on its commands (dist/ built without the S3 run): skipping ${name} ***\n\n`);
  describe.skip(`${name} [SKIPPED: isr has no --store yet]`, body);
}

/** The environment of an isr process reaching the test server: the standard AWS variables only. */
export function s3Env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: S3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3.credentials.secretAccessKey,
    AWS_REGION: S3.region,
    ...extra,
  };
}

/** `--store s3://bucket/prefix --endpoint URL` (the endpoint may be a proxy in front of the server). */
export function storeFlags(prefix: string, endpoint = S3.endpoint, bucket = S3.bucket): string[] {
  return ['--store', `s3://${bucket}/${prefix.replace(/\/$/, '')}`, '--endpoint', endpoint];
}

/** The bucket as the S3 store sees a site at `prefix`: `site` (served) and `state` (private). */
export function bucketAt(prefix: string): SiteStore {
  return openS3SiteStore({
    bucket: S3.bucket,
    endpoint: S3.endpoint,
    region: S3.region,
    credentials: S3.credentials,
    prefix,
  });
}

export interface BucketObject {
  body: Buffer;
  version: string;
  meta: ObjectMeta;
}

/** Every served object of the site, key → body, version and metadata (a GET each). */
export async function siteObjects(store: SiteStore): Promise<Map<string, BucketObject>> {
  const out = new Map<string, BucketObject>();
  for await (const info of store.site.list('')) {
    const o = await store.site.get(info.key);
    if (o) out.set(info.key, { body: Buffer.from(o.body), version: o.version, meta: o.meta ?? {} });
  }
  return out;
}

/** Every private state object of the site: key → version (the run's lease, head, shards…). */
export async function stateVersions(store: SiteStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const info of store.state.list('')) out.set(info.key, info.version);
  return out;
}

/** Keys of the state that hold the manifest head, as isr names it in a store (the fs store's name). */
export const HEAD_KEY = 'manifest.json';
/** Where the head's shards live, beside it (`manifest-pages/<file>`), as in the fs store. */
export const SHARD_DIR = 'manifest-pages/';

/** The head as JSON, and its store version, or undefined when no run ever published. */
export async function bucketHead(store: SiteStore): Promise<{ head: any; version: string } | undefined> {
  const o = await store.state.get(HEAD_KEY);
  return o ? { head: JSON.parse(Buffer.from(o.body).toString('utf8')), version: o.version } : undefined;
}

/**
 * The whole manifest in the bucket, in the shape `readManifestJson` gives for a folder: the
 * head's fields with every page from its shards in `pages`.
 */
export async function bucketManifest(store: SiteStore): Promise<any> {
  const got = await bucketHead(store);
  if (!got) throw new Error('no manifest head in the bucket');
  const pages: Record<string, unknown> = { ...got.head.pages };
  for (const s of Object.values<{ file: string }>(got.head.shards ?? {})) {
    const shard = await store.state.get(SHARD_DIR + s.file);
    if (!shard) throw new Error(`the head names shard ${s.file}, which is not in the bucket`);
    Object.assign(pages, JSON.parse(Buffer.from(shard.body).toString('utf8')).pages);
  }
  return { ...got.head, pages };
}

/** A bare runner: the site folder without its output and its state, as a fresh CI checkout has it. */
export async function bareRunner(root: string, outDir = 'dist'): Promise<void> {
  await rm(path.join(root, outDir), { recursive: true, force: true });
  await rm(path.join(root, '.isr'), { recursive: true, force: true });
}

export interface BucketWatcher {
  reads: number;
  problems: string[];
  stop(): Promise<void>;
}

/**
 * Reads the site's objects `keys` over and over while runs overlap (straight from the server, not
 * through a test's proxy): every read must be a complete page, and a page's render number must
 * never go down, so no older render is ever served over a newer one, even for an instant.
 */
export function watchBucket(store: SiteStore, keys: string[], parse: (html: string) => number | undefined): BucketWatcher {
  const last = new Map<string, number>();
  const w: BucketWatcher = { reads: 0, problems: [], stop: async () => {} };
  let stopped = false;
  const tick = async () => {
    for (const k of keys) {
      const o = await store.site.get(k);
      if (!o) {
        if (last.has(k)) w.problems.push(`${k}: vanished`);
        continue;
      }
      w.reads++;
      const html = Buffer.from(o.body).toString('utf8');
      const n = parse(html);
      if (n === undefined) w.problems.push(`${k}: incomplete page (${html.length} bytes)`);
      else {
        const prev = last.get(k);
        if (prev !== undefined && n < prev) w.problems.push(`${k}: render ${n} served over newer render ${prev}`);
        last.set(k, n);
      }
    }
  };
  const loop = (async () => {
    while (!stopped) await tick();
  })();
  w.stop = async () => {
    stopped = true;
    await loop;
    await tick();
  };
  return w;
}

/**
 * The isr processes a test started, killed in afterEach if still there (a failed assertion can
 * leave one stopped with SIGSTOP or waiting at a gate, which would outlive the test).
 */
export function processReaper(): { track<T extends { child: ChildProcess }>(p: T): T; reap(): void } {
  const started: ChildProcess[] = [];
  return {
    track: (p) => {
      started.push(p.child);
      return p;
    },
    reap: () => {
      for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
}

/** Every page entry's object holds the bytes the entry names (the manifest tells the truth about the bucket). */
export async function expectBucketCoherent(bucket: SiteStore, pages: number): Promise<Map<string, BucketObject>> {
  const m = await bucketManifest(bucket);
  const objects = await siteObjects(bucket);
  expect(Object.keys(m.pages)).toHaveLength(pages);
  for (const [p, e] of Object.entries<any>(m.pages)) expect(hash(objects.get(e.file)!.body), `${p}: entry vs object`).toBe(e.outputHash);
  return objects;
}

/** The fixture of a describe block of `counterSiteInBucket`, current for the test running. */
export interface CounterSiteInBucket {
  /** The counter server: the render number each load() got (`log`, `maxFor`), and a gate on loads (`onRequest`). */
  counter: Counter;
  /** This test's copy of the site. */
  root: string;
  /** This test's prefix of the bucket, and the site there as the S3 store sees it. */
  prefix: string;
  bucket: SiteStore;
  /** The environment of the test's isr processes: the AWS variables, the counter's URL, and `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** The isr processes the test started, killed after it if still there. */
  reaper: ReturnType<typeof processReaper>;
}

/**
 * The setup of the CLI tests that race, stop or kill isr runs on a bucket prefix: the counter
 * server and a counter site of `pages` pages (revalidate `revalidate` seconds) once per describe
 * block; before each test a copy of the site and a fresh prefix (named from `prefix`), built there
 * through the CLI (after `beforeBuild`: a test's proxy); after each test its processes killed,
 * the counter's gate cleared, `afterTest` (closing proxies), the prefix emptied. Call it in the
 * describe block; read the fields in the tests (they change from test to test).
 */
export function counterSiteInBucket(o: {
  pages: number;
  revalidate?: number;
  prefix: string;
  beforeBuild?: () => Promise<void>;
  afterTest?: () => Promise<void>;
}): CounterSiteInBucket {
  let base: string;
  const site: CounterSiteInBucket = {
    counter: undefined!,
    root: '',
    prefix: '',
    bucket: undefined!,
    env: (extra = {}) => s3Env({ ISR_REL_COUNTER: site.counter.url, ...extra }),
    reaper: processReaper(),
  };
  beforeAll(async () => {
    site.counter = await startCounter();
    base = await genCounterSite(o.pages, o.revalidate);
  });
  afterAll(async () => {
    await site.counter?.close();
  });
  beforeEach(async () => {
    site.root = `${base}-${Math.random().toString(36).slice(2)}`;
    await copyDir(base, site.root);
    site.prefix = uniquePrefix(o.prefix);
    site.bucket = bucketAt(site.prefix);
    site.counter.onRequest = undefined;
    await o.beforeBuild?.();
    const built = await startIsr(['build', site.root, ...storeFlags(site.prefix)], { env: site.env() }).exited;
    expect(built.code, built.stderr).toBe(0);
  });
  afterEach(async () => {
    site.reaper.reap();
    site.counter.onRequest = undefined;
    await o.afterTest?.();
    await emptyStore(site.bucket);
  });
  return site;
}
