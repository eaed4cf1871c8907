/**
 * SigV4 for S3 requests (internal to the S3 store): the shared signer (aws-sigv4.ts) with S3's
 * rules: the key path signed as sent, and `x-amz-content-sha256`, which S3 and Ceph RGW want.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { type AwsCredentials, canonicalQuery, encodeRfc3986, type SigV4Input, sha256Hex, signV4Headers } from '../aws-sigv4.js';

export { canonicalQuery, encodeRfc3986, sha256Hex };
export type S3Credentials = AwsCredentials;

export type SignInput = Omit<SigV4Input, 'service' | 'contentSha256Header'>;

/** An object key as a URL path: each segment encoded, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

/** The headers to send: the given ones plus x-amz-date, x-amz-content-sha256 and Authorization. */
export function signRequest(i: SignInput): Record<string, string> {
  return signV4Headers({ ...i, service: 's3', contentSha256Header: true });
}
