/**
 * AWS Signature Version 4 for S3 requests (internal to the S3 store). Written here rather than
 * taken from a package: it is this one function, synchronous over node:crypto (aws4fetch's
 * WebCrypto signing is async per HMAC and brings a fetch wrapper with its own retry policy we
 * would turn off), and it is checked against AWS's published example and against aws4fetch as
 * an oracle (test/unit/s3-sign.test.ts).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (OIDC, assumed roles) come with one. */
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  /** `host[:port]` as the request sends it. */
  host: string;
  /** The path exactly as sent, already encoded (`encodeKeyPath`): S3 signs it without re-encoding. */
  path: string;
  query?: Record<string, string>;
  /** Headers to sign besides host and the x-amz-date/-content-sha256/-security-token this adds. */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body (`sha256Hex`), or 'UNSIGNED-PAYLOAD'. */
  payloadHash: string;
  region: string;
  credentials: S3Credentials;
  now: Date;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object key as a URL path: each segment encoded, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
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

/** The headers to send: the given ones plus x-amz-date, x-amz-content-sha256 and Authorization. */
export function signRequest(i: SignInput): Record<string, string> {
  const amzDate = i.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.host = i.host;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = i.payloadHash;
  if (i.credentials.sessionToken) headers['x-amz-security-token'] = i.credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [i.method, i.path, canonicalQuery(i.query), canonicalHeaders, signedHeaders, i.payloadHash].join('\n');
  const scope = `${day}/${i.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${i.credentials.secretAccessKey}`, day), i.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

  const { host: _host, ...toSend } = headers; // fetch sets Host itself, from the URL
  toSend.authorization = `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return toSend;
}
