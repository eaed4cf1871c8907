/**
 * SigV4 for a non-S3 AWS API call (CloudFront's CreateInvalidation): the shared signer
 * (aws-sigv4.ts) with those services' rules: each path segment encoded a second time, no
 * `x-amz-content-sha256`.
 * @internal
 */
import { type AwsCredentials, encodeRfc3986, sha256Hex, signV4Headers } from '../aws-sigv4.js';

export type { AwsCredentials };

export interface SignInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  service: string;
  region: string;
  /** Epoch ms of the signature (a run's clock). */
  now: number;
}

/** The headers to send: the given ones plus `x-amz-date`, the token if any, and `authorization`. */
export function signV4(req: SignInput, creds: AwsCredentials): Record<string, string> {
  const url = new URL(req.url);
  return signV4Headers({
    method: req.method,
    host: url.host,
    // Every service but S3 wants each path segment URI-encoded twice (the URL gives it once).
    path: url.pathname.split('/').map(encodeRfc3986).join('/'),
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    payloadHash: sha256Hex(req.body),
    service: req.service,
    region: req.region,
    credentials: creds,
    now: new Date(req.now),
    contentSha256Header: false,
  });
}
