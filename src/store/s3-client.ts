/**
 * One signed S3 request with bounds (internal to the S3 store): a timeout per try, a bounded
 * number of tries for the answers worth trying again (no answer, 500/502/503/504), and every
 * other refusal turned into one IsrError line saying what to do. Path-style addressing when an
 * endpoint is given (Ceph RGW, MinIO, R2 accept it), virtual-hosted on AWS itself.
 */
import { IsrError, isrError } from '../errors.js';
import { canonicalQuery, encodeKeyPath, type S3Credentials, sha256Hex, signRequest } from './s3-sign.js';
import { parseError } from './s3-xml.js';

export interface S3ClientOptions {
  bucket: string;
  region: string;
  /** `https://host[:port]`; absent: AWS S3 in `region`. */
  endpoint?: string;
  credentials: S3Credentials;
  /** Bound on each try, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Tries after the first for an answer worth trying again. */
  retries: number;
  /** The fetch to send with (tests and benchmarks count requests through it). */
  fetch?: typeof fetch;
}

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The object's full key; absent for a bucket-level request (list, delete batch). */
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export interface S3Response {
  status: number;
  headers: Headers;
  body: Uint8Array;
  /** True when an earlier try of this request went unanswered: it may have been applied. */
  retried: boolean;
}

const RETRY_STATUS = new Set([500, 502, 503, 504]);

export class S3Client {
  readonly bucket: string;
  /** The endpoint as messages name it. */
  readonly endpoint: string;
  private readonly base: URL;
  private readonly pathStyle: boolean;

  constructor(private readonly o: S3ClientOptions) {
    this.bucket = o.bucket;
    this.pathStyle = o.endpoint !== undefined;
    this.endpoint = o.endpoint ?? `https://s3.${o.region}.amazonaws.com`;
    this.base = new URL(this.endpoint);
  }

  /**
   * Sends `r`, signed. Resolves with any 2xx, 304, 404 or 412 answer (the caller decides what
   * absence or a failed precondition means); rejects with STORE_AUTH, STORE_NO_BUCKET, STORE_UNREACHABLE
   * or STORE_FAILED otherwise.
   */
  async send(r: S3Request): Promise<S3Response> {
    const host = this.pathStyle ? this.base.host : `${this.bucket}.${this.base.host}`;
    const prefix = this.base.pathname.replace(/\/$/, '');
    const keyPath = r.key === undefined ? '' : `/${encodeKeyPath(r.key)}`;
    const path = this.pathStyle ? `${prefix}/${this.bucket}${keyPath}` : `${prefix}${keyPath || '/'}`;
    const query = canonicalQuery(r.query);
    const url = `${this.base.protocol}//${host}${path}${query ? `?${query}` : ''}`;
    const doFetch = this.o.fetch ?? fetch;
    const started = Date.now();
    let lastError = '';
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const headers = signRequest({
        method: r.method,
        host,
        path,
        query: r.query,
        headers: r.headers,
        payloadHash: sha256Hex(r.body ?? ''),
        region: this.o.region,
        credentials: this.o.credentials,
        now: new Date(),
      });
      let res: Response;
      let body: Uint8Array;
      try {
        // Never follow a redirect: the signed request and its credentials go to the endpoint only.
        res = await doFetch(url, {
          method: r.method,
          headers,
          body: r.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.o.timeoutMs),
        });
        body = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        lastError = reasonOf(err, this.o.timeoutMs);
        continue;
      }
      if (RETRY_STATUS.has(res.status)) {
        lastError = `HTTP ${res.status}`;
        continue;
      }
      const answer = { status: res.status, headers: res.headers, body, retried: attempt > 0 };
      if ((res.status >= 200 && res.status < 300) || res.status === 304 || res.status === 412) return answer;
      const { code, message } = parseError(new TextDecoder().decode(body));
      if (res.status === 404 && (r.key !== undefined || r.method !== 'HEAD') && code !== 'NoSuchBucket') return answer;
      throw this.refusal(r, res.status, code, message, res.headers.get('x-amz-bucket-region') ?? undefined);
    }
    const tries = this.o.retries + 1;
    throw new IsrError(
      'STORE_UNREACHABLE',
      `the S3 endpoint ${this.endpoint} did not answer ${r.method} ${this.where(r.key)} (${lastError}) after ${tries} ${tries === 1 ? 'try' : 'tries'} in ${((Date.now() - started) / 1000).toFixed(1)} s; nothing was published`,
      { hint: 'check the endpoint and the network; each try waits at most the store timeout' },
    );
  }

  /** `bucket/key` (or the bucket) for messages. */
  where(key?: string): string {
    return key === undefined ? `bucket ${this.bucket}` : `${this.bucket}/${key}`;
  }

  private refusal(r: S3Request, status: number, code: string | undefined, message: string | undefined, bucketRegion?: string): IsrError {
    const said = `${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
    if (status >= 300 && status < 400) {
      const where = bucketRegion ? `the bucket is in ${bucketRegion}: set region to it` : 'check the region and the endpoint';
      return new IsrError(
        'STORE_FAILED',
        `the S3 endpoint ${this.endpoint} redirected ${r.method} ${this.where(r.key)} (${said}); isr does not follow redirects`,
        {
          hint: where,
        },
      );
    }
    if (code === 'NoSuchBucket' || (status === 404 && r.key === undefined)) {
      return isrError('STORE_NO_BUCKET', [this.bucket, this.endpoint]);
    }
    if (status === 403 || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
      const hint =
        code === 'RequestTimeTooSkewed'
          ? "this machine's clock is too far from the server's; synchronise it"
          : code === 'AccessDenied'
            ? `give these credentials s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on ${this.bucket}`
            : 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)';
      return new IsrError('STORE_AUTH', `the S3 endpoint ${this.endpoint} refused ${r.method} ${this.where(r.key)} (${said})`, { hint });
    }
    return new IsrError('STORE_FAILED', `the S3 endpoint ${this.endpoint} refused ${r.method} ${this.where(r.key)} (${said})`, {
      hint: 'see the code S3 gave; run again with --debug for the request',
    });
  }
}

/** 100 ms, 200 ms, 400 ms … (capped at 2 s), with jitter so that retrying writers spread out. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e.cause?.code ?? e.message;
}
