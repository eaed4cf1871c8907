/**
 * A site in S3-compatible object storage (AWS S3, Cloudflare R2, Ceph RGW, MinIO), behind the
 * store seam (store.ts). The deployable site is under `prefix`; the private state (manifest,
 * lease) under `statePrefix` or in `stateBucket`, never in the site's listing.
 *
 * A version is the ETag without quotes: the form Ceph RGW wants back in If-Match. For a plain
 * PUT it is the MD5 of the bytes, so two writes of identical bytes share a version; isr's state
 * objects never repeat (the manifest head carries a generation, a lease body a random token), so
 * an If-Match on them cannot be fooled by an old body coming back.
 *
 * Preconditions are the store's own: `ifAbsent` is `If-None-Match: *`, `ifVersion` is
 * `If-Match: <etag>`; a 412 is PRECONDITION_FAILED. A conditional PUT whose first try went
 * unanswered and whose retry got 412 may have been applied by that first try: the object's ETag
 * then is the MD5 of these very bytes, which tells.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { IsrError, invariant, isrError } from '../errors.js';
import { checkKey, preconditionFailed } from './precondition.js';
import { S3Client } from './s3-client.js';
import { s3Leases } from './s3-lease.js';
import { resolveS3Options, type S3StoreOptions } from './s3-options.js';
import { deleteRequestBody, parseDeleteErrors, parseListPage, unquote } from './s3-xml.js';
import type { ObjectInfo, ObjectMeta, PutOptions, SiteStore, Store, StoredObject } from './store.js';

/** DeleteObjects takes at most 1,000 keys per request (S3's documented limit). */
export const DELETE_BATCH = 1000;
/** The longest object key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** The S3 site store: `site` under the prefix, `state` private, leases in the state. */
export function openS3SiteStore(options: S3StoreOptions): SiteStore {
  const o = resolveS3Options(options);
  const client = (bucket: string) =>
    new S3Client({
      bucket,
      region: o.region,
      endpoint: o.endpoint,
      credentials: o.credentials,
      timeoutMs: o.timeoutMs,
      retries: o.retries,
      fetch: o.fetch,
    });
  const siteClient = client(o.bucket);
  const stateClient = o.stateBucket === o.bucket ? siteClient : client(o.stateBucket);
  // With the site at the bucket's root the state prefix is inside the site's: keep it out of the
  // site's listing and refuse site keys in it (the bucket policy keeps it from being served).
  const inside = o.stateBucket === o.bucket && o.statePrefix.startsWith(o.prefix) ? o.statePrefix.slice(o.prefix.length) : undefined;
  const site = new S3ObjectStore(siteClient, o.prefix, o.deleteConcurrency, inside);
  const state = new S3ObjectStore(stateClient, o.statePrefix, o.deleteConcurrency);
  return {
    site,
    state,
    leases: s3Leases(state, o.clock),
    kind: 's3',
    uploadConcurrency: o.uploadConcurrency,
    where: `s3://${o.bucket}/${o.prefix}`,
  };
}

export class S3ObjectStore implements Store {
  constructor(
    readonly client: S3Client,
    readonly prefix: string,
    private readonly deleteConcurrency: number,
    /** Keys under this (relative) prefix belong to another store. */
    private readonly excluded?: string,
  ) {}

  versionOf(body: string | Uint8Array): string {
    return createHash('md5').update(body).digest('hex');
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const res = await this.client.send({ method: 'GET', key: this.full(key) });
    if (res.status === 404) return undefined;
    return { ...this.info(key, res.headers, res.body.length), body: res.body };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const res = await this.client.send({ method: 'HEAD', key: this.full(key) });
    if (res.status === 404) return undefined;
    return this.info(key, res.headers, Number(res.headers.get('content-length') ?? 0));
  }

  async put(key: string, body: Uint8Array | { file: string }, o: PutOptions = {}): Promise<string> {
    const full = this.full(key);
    const bytes = body instanceof Uint8Array ? body : new Uint8Array(await readFile(body.file));
    const md5 = createHash('md5').update(bytes).digest();
    const headers: Record<string, string> = { 'content-md5': md5.toString('base64'), ...metaHeaders(o.meta) };
    if (o.if && 'ifAbsent' in o.if) headers['if-none-match'] = '*';
    else if (o.if) headers['if-match'] = o.if.ifVersion;
    const res = await this.client.send({ method: 'PUT', key: full, headers, body: bytes });
    const mine = md5.toString('hex');
    // AWS answers an If-Match on a key that has no object with 404 NoSuchKey: the condition failed too.
    if (res.status === 412 || (res.status === 404 && o.if)) {
      // A retry after an unanswered try: the first may have landed. Identical bytes are ours.
      const now = res.retried ? await this.head(key) : undefined;
      if (now?.version !== mine) throw preconditionFailed(`s3://${this.client.bucket}/${this.prefix}`, key, o.if!, now?.version);
    }
    if (!(body instanceof Uint8Array)) await rm(body.file, { force: true }); // a staged file is consumed, as by the fs store
    return unquote(res.headers.get('etag') ?? '') || mine;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: this.prefix + prefix, 'max-keys': '1000' };
      if (token) query['continuation-token'] = token;
      const res = await this.client.send({ method: 'GET', query });
      const page = parseListPage(new TextDecoder().decode(res.body));
      for (const obj of page.objects) {
        const key = obj.key.slice(this.prefix.length);
        if (this.excluded && key.startsWith(this.excluded)) continue;
        yield { key, version: obj.etag, size: obj.size };
      }
      token = page.next;
    } while (token);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH).map((k) => this.full(k)));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.deleteBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.deleteConcurrency, batches.length) }, worker));
  }

  private async deleteBatch(fullKeys: string[]): Promise<void> {
    const body = new TextEncoder().encode(deleteRequestBody(fullKeys));
    // DeleteObjects must carry Content-MD5 (S3 and RGW refuse it without).
    const headers = { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' };
    const res = await this.client.send({ method: 'POST', query: { delete: '' }, headers, body });
    const failed = parseDeleteErrors(new TextDecoder().decode(res.body)).filter((e) => e.code !== 'NoSuchKey');
    if (failed.length > 0) {
      const f = failed[0]!;
      throw new IsrError(
        'STORE_FAILED',
        `the S3 endpoint ${this.client.endpoint} did not delete ${failed.length} of ${fullKeys.length} objects (${f.key}: ${f.code} ${f.message})`.trim(),
        {
          hint: 'the next run deletes them again; check the credentials allow s3:DeleteObject',
        },
      );
    }
  }

  /** `s3://bucket/<full key>`, for messages. */
  where(key: string): string {
    return `s3://${this.client.bucket}/${this.prefix}${key}`;
  }

  private full(key: string): string {
    checkKey(key);
    invariant(!this.excluded || !key.startsWith(this.excluded), `site key ${key} is in the private state prefix ${this.excluded}`);
    const full = this.prefix + key;
    // isr allows page paths of 1,024 bytes; S3 keys stop at 1,024 bytes, prefix included.
    if (Buffer.byteLength(full) > MAX_KEY_BYTES) {
      throw isrError(
        'PAGE_UNWRITABLE',
        [key, `its S3 key ${this.prefix}… is ${Buffer.byteLength(full)} bytes, over S3's ${MAX_KEY_BYTES}`],
        {
          hint: 'give the page shorter params, or the store a shorter prefix',
        },
      );
    }
    return full;
  }

  private info(key: string, h: Headers, size: number): ObjectInfo {
    return { key, version: unquote(h.get('etag') ?? ''), size, meta: metaOf(h) };
  }
}

/** Object metadata as S3 headers: what a host serves (the S3 website endpoint, CloudFront) and Fastly's keys. */
function metaHeaders(meta: ObjectMeta = {}): Record<string, string> {
  const h: Record<string, string> = {};
  if (meta.contentType) h['content-type'] = meta.contentType;
  if (meta.cacheControl) h['cache-control'] = meta.cacheControl;
  if (meta.redirectTo) h['x-amz-website-redirect-location'] = meta.redirectTo;
  // Header values must be printable ASCII: other bytes (and % itself) are percent-encoded.
  if (meta.surrogateKeys?.length)
    h['x-amz-meta-surrogate-key'] = meta.surrogateKeys.map((k) => k.replace(/[^\x21-\x24\x26-\x7e]/gu, encodeURIComponent)).join(' ');
  return h;
}

function metaOf(h: Headers): ObjectMeta {
  const meta: ObjectMeta = {};
  const type = h.get('content-type');
  if (type) meta.contentType = type;
  const cache = h.get('cache-control');
  if (cache) meta.cacheControl = cache;
  const redirect = h.get('x-amz-website-redirect-location');
  if (redirect) meta.redirectTo = redirect;
  const keys = h.get('x-amz-meta-surrogate-key');
  if (keys) meta.surrogateKeys = keys.split(' ').map(decodeURIComponent);
  return meta;
}
