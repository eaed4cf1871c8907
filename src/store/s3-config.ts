/**
 * Where a site lives, as the user says it: `store: s3({ bucket, … })` in the config, or
 * `--store s3://bucket/prefix` with `--endpoint` / `--region` on `isr build`, `isr regen` and
 * `isr status` (the flags win over the config). The options are checked when `s3()` is called
 * (s3-options.ts), so a config with a bad bucket name fails on load, before any run; the
 * credentials come from the AWS_* variables the command passes in, never read here.
 */
import { IsrError } from '../errors.js';
import type { S3Options, StoreConfig } from '../types.js';
import { loadS3SiteStore, parseS3Url, resolveS3Options } from './s3-options.js';
import type { SiteStore } from './store.js';

/** `store: s3({ bucket, prefix, endpoint, region })`: the site and its state in an S3-compatible bucket. */
export function s3(options: S3Options): StoreConfig {
  // Checked now with stand-in credentials: the real ones are read from the environment when a
  // command opens the store.
  resolveS3Options({ ...options, credentials: { accessKeyId: '-', secretAccessKey: '-' } });
  return Object.freeze({ kind: 's3' as const, options: Object.freeze({ ...options }) });
}

/** The store flags of `isr build`, `isr regen` and `isr status`. */
export interface StoreFlags {
  /** `--store s3://bucket/prefix` */
  store?: string;
  /** `--endpoint URL` */
  endpoint?: string;
  /** `--region R` */
  region?: string;
}

/** The store a command's flags and config name (the flags win); undefined: the local folders. */
export function chosenStore(flags: StoreFlags, configured: StoreConfig | undefined): StoreConfig | undefined {
  if (!flags.store) {
    if ((flags.endpoint || flags.region) && !configured)
      throw new IsrError('USAGE', `${flags.endpoint ? '--endpoint' : '--region'} needs an S3 store`, {
        hint: 'give --store s3://bucket/prefix, or store: s3({ … }) in the config',
      });
    if (!configured) return undefined;
    return { kind: 's3', options: { ...configured.options, ...definedOf(flags) } };
  }
  const { bucket, prefix } = parseS3Url(flags.store);
  // The flag names the bucket and prefix; the config's other options (a state bucket, bounds) stay
  // when it names the same bucket.
  const base = configured?.options.bucket === bucket ? configured.options : {};
  return s3({ ...base, bucket, prefix, ...definedOf(flags) });
}

/** Opens the chosen store with the credentials of `env` (the command passes its environment). */
export function openStore(chosen: StoreConfig, env: Readonly<Record<string, string | undefined>>): Promise<SiteStore> {
  return loadS3SiteStore({ ...chosen.options, env });
}

/** Where a store is, for messages: `s3://bucket/prefix`. */
export function describeStore(chosen: StoreConfig): string {
  return `s3://${chosen.options.bucket}/${chosen.options.prefix ?? ''}`;
}

function definedOf(flags: StoreFlags): { endpoint?: string; region?: string } {
  return { ...(flags.endpoint ? { endpoint: flags.endpoint } : {}), ...(flags.region ? { region: flags.region } : {}) };
}
