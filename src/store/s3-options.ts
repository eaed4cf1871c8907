/**
 * The S3 store's options: what a user writes (`s3({ bucket, prefix, endpoint, region })` or
 * `--store s3://bucket/prefix --endpoint URL`), checked and given their bounded defaults, and
 * the credentials from the standard AWS environment variables. This file loads no client: the
 * store itself (s3-store.ts) is imported only when an S3 store is configured (`loadS3SiteStore`).
 */
import { IsrError } from '../errors.js';
import type { S3Options } from '../types.js';
import type { S3Credentials } from './s3-sign.js';
import type { SiteStore } from './store.js';

/**
 * What the store is opened with: the user's `s3()` options (types.ts `S3Options`, documented
 * there once) and what only the command and tests give it.
 */
export interface S3StoreOptions extends S3Options {
  /** Default from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of `env`. */
  credentials?: S3Credentials;
  /**
   * Where the AWS_* variables are read (credentials, region): the command passes the process's
   * environment; nothing below the commands reads it itself. Default: none.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** The time leases are judged by (tests move it). Default Date.now. */
  clock?: () => number;
  /** The fetch requests go through (tests and benchmarks count them). */
  fetch?: typeof fetch;
}

export type ResolvedS3Options = Required<Omit<S3StoreOptions, 'endpoint' | 'fetch' | 'env'>> & Pick<S3StoreOptions, 'endpoint' | 'fetch'>;

/** Bounds of the numeric options: [min, max, default]. */
export const S3_BOUNDS = {
  timeoutMs: [1, 600_000, 30_000],
  retries: [0, 10, 3],
  deleteConcurrency: [1, 64, 4],
  uploadConcurrency: [1, 256, 32],
} as const;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix` → bucket and prefix ('' or ending in '/'). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw usage(`--store ${url} is not an s3:// URL`, 'write it as s3://bucket or s3://bucket/prefix');
  return { bucket: m[1]!, prefix: normalisePrefix(m[2]!) };
}

/** Checks `o` and fills in the defaults; bad values are CONFIG_INVALID with the way out. */
export function resolveS3Options(o: S3StoreOptions): ResolvedS3Options {
  const env = o.env ?? {};
  if (!BUCKET.test(o.bucket ?? ''))
    throw invalid(`bucket ${JSON.stringify(o.bucket)} is not an S3 bucket name`, 'use 3 to 63 lowercase letters, digits, dots and hyphens');
  if (o.stateBucket !== undefined && !BUCKET.test(o.stateBucket))
    throw invalid(
      `stateBucket ${JSON.stringify(o.stateBucket)} is not an S3 bucket name`,
      'use 3 to 63 lowercase letters, digits, dots and hyphens',
    );
  if (o.endpoint !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(o.endpoint)) {
    throw invalid(
      `endpoint ${JSON.stringify(o.endpoint)} is not an http(s) origin`,
      'write it as https://host or http://host:port, with no path',
    );
  }
  const prefix = normalisePrefix(o.prefix ?? '');
  const stateBucket = o.stateBucket ?? o.bucket;
  const statePrefix = normalisePrefix(o.statePrefix ?? (stateBucket === o.bucket ? `.isr/${prefix}` : prefix));
  if (stateBucket === o.bucket && prefix.startsWith(statePrefix)) {
    throw invalid(
      `the site prefix ${JSON.stringify(prefix)} is inside statePrefix ${JSON.stringify(statePrefix)}`,
      'the private state must not be served: give it a prefix of its own',
    );
  }
  const credentials = o.credentials ?? credentialsFromEnv(env);
  return {
    bucket: o.bucket,
    prefix,
    endpoint: o.endpoint?.replace(/\/$/, ''),
    region: o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    stateBucket,
    statePrefix,
    credentials,
    timeoutMs: bounded('timeoutMs', o.timeoutMs),
    retries: bounded('retries', o.retries),
    deleteConcurrency: bounded('deleteConcurrency', o.deleteConcurrency),
    uploadConcurrency: bounded('uploadConcurrency', o.uploadConcurrency),
    clock: o.clock ?? Date.now,
    fetch: o.fetch,
  };
}

/** The S3 site store, loading its client only now (a site on the file system never loads it). */
export async function loadS3SiteStore(o: S3StoreOptions): Promise<SiteStore> {
  const { openS3SiteStore } = await import('./s3-store.js');
  return openS3SiteStore(o);
}

function credentialsFromEnv(env: Readonly<Record<string, string | undefined>>): S3Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new IsrError('STORE_AUTH', 'no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set', {
      hint: 'set them (in CI, from OIDC or the secrets store); AWS_SESSION_TOKEN too for temporary credentials',
    });
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

function normalisePrefix(p: string): string {
  const trimmed = p.replace(/^\/+|\/+$/g, '');
  if (trimmed.split('/').some((s) => s === '.' || s === '..' || s === '') && trimmed !== '') {
    throw invalid(`prefix ${JSON.stringify(p)} has an empty, . or .. segment`, "write it as 'site' or 'sites/www'");
  }
  return trimmed === '' ? '' : `${trimmed}/`;
}

function bounded(name: keyof typeof S3_BOUNDS, v: number | undefined): number {
  const [min, max, dflt] = S3_BOUNDS[name];
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max)
    throw invalid(`${name} ${v} is out of bounds`, `use an integer from ${min} to ${max} (default ${dflt})`);
  return v;
}

function invalid(message: string, hint: string): IsrError {
  return new IsrError('CONFIG_INVALID', `s3 store: ${message}`, { hint });
}

function usage(message: string, hint: string): IsrError {
  return new IsrError('USAGE', message, { hint });
}
