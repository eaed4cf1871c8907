/**
 * What the tests that drive `isr` through the CLI against the real Ceph RGW share: the flags and
 * environment of a run whose site lives in the bucket (`--store s3://bucket/prefix --endpoint`,
 * credentials in AWS_*), and a view of the bucket through the S3 store's own client, to check
 * what a run left there: object bodies, metadata, the manifest.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe } from 'vitest';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import type { ObjectMeta, SiteStore } from '../../src/store/store.js';
import { BIN } from '../helpers/site.js';
import { describeS3, S3 } from './helpers.js';

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
