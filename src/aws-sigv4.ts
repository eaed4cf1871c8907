/**
 * AWS Signature Version 4, the one implementation the S3 store (store/s3-sign.ts) and the
 * CloudFront purge (purge/sigv4.ts) share. Our own ~50 lines on node:crypto rather than a
 * package: it is this one synchronous function (aws4fetch signs asynchronously through WebCrypto
 * and wraps fetch with a retry policy we would turn off; the AWS SDK is ~22 MB and wants Node 22).
 * Checked against AWS's published examples and against aws4fetch as an oracle
 * (test/unit/s3-sign.test.ts, test/purge/sigv4.test.ts).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 * @internal
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (OIDC, assumed roles) come with one. */
  sessionToken?: string;
}

export interface SigV4Input {
  method: string;
  /** `host[:port]` as the request sends it. */
  host: string;
  /** The canonical path, exactly as signed (S3: the key path as sent; other services: each segment encoded again). */
  path: string;
  query?: Record<string, string>;
  /** Headers to sign besides host, x-amz-date and the token this adds. */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body (`sha256Hex`), or S3's 'UNSIGNED-PAYLOAD'. */
  payloadHash: string;
  service: string;
  region: string;
  credentials: AwsCredentials;
  now: Date;
  /** Send and sign `x-amz-content-sha256` (S3, and Ceph RGW, want it; other services do not). */
  contentSha256Header: boolean;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The query string, sorted and encoded the one way SigV4 accepts (also what is sent). */
export function canonicalQuery(query: Record<string, string> = {}): string {
  return Object.entries(query)
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** The headers to send: the given ones (lower-cased) plus x-amz-date, the token if any, and Authorization. */
export function signV4Headers(i: SigV4Input): Record<string, string> {
  const amzDate = i.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = i.host;
  headers['x-amz-date'] = amzDate;
  if (i.contentSha256Header) headers['x-amz-content-sha256'] = i.payloadHash;
  if (i.credentials.sessionToken) headers['x-amz-security-token'] = i.credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [i.method, i.path, canonicalQuery(i.query), canonicalHeaders, signedHeaders, i.payloadHash].join('\n');
  const scope = `${day}/${i.region}/${i.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${i.credentials.secretAccessKey}`, day), i.region), i.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

  const { host: _host, ...toSend } = headers; // fetch sets Host itself, from the URL
  toSend.authorization = `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return toSend;
}
