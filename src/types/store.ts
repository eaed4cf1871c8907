/**
 * The public types of a store the config names (`store: s3({...})`): where in a bucket the site
 * and its private state live. Separate because store/s3-options.ts builds on them and the rest
 * of the config does not.
 */

/** The options of `s3()`: where in the bucket the site and its private state are. */
export interface S3Options {
  bucket: string;
  /** Where the deployable site lives in the bucket ('' or 'www/'). Default ''. */
  prefix?: string;
  /** `https://host[:port]` of an S3-compatible service (R2, Ceph RGW, MinIO); absent: AWS S3. */
  endpoint?: string;
  /** Default AWS_REGION, then AWS_DEFAULT_REGION, then 'us-east-1' ('auto' for R2). */
  region?: string;
  /** A separate bucket for the private state (manifest, lease, records); default the site's bucket. */
  stateBucket?: string;
  /** Where the private state lives; default `.isr/` + prefix. Keep it from being served (README "Deploy"). */
  statePrefix?: string;
  /** Bound on each request try, ms. Default 30,000 (1 to 600,000). */
  timeoutMs?: number;
  /** Tries after the first for an unanswered request or a 5xx. Default 3 (0 to 10). */
  retries?: number;
  /** DeleteObjects requests in flight at once. Default 4 (1 to 64). */
  deleteConcurrency?: number;
  /** Uploads (PUTs) in flight at once during a publish. Default 32 (1 to 256). */
  uploadConcurrency?: number;
}

/** A store the config names (made by `s3()`). */
export interface StoreConfig {
  readonly kind: 's3';
  readonly options: Readonly<S3Options>;
}
