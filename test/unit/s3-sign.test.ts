import { AwsV4Signer } from 'aws4fetch';
import { describe, expect, it } from 'vitest';
import { canonicalQuery, encodeKeyPath, sha256Hex, signRequest } from '../../src/store/s3-sign.js';

// AWS's published example: GET Object with a Range header.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('S3 request signing (SigV4)', () => {
  it("gives the signature of AWS's published GET Object example", () => {
    const headers = signRequest({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { Range: 'bytes=0-9' },
      payloadHash: sha256Hex(''),
      region: 'us-east-1',
      credentials: EXAMPLE_CREDENTIALS,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(headers['x-amz-date']).toBe('20130524T000000Z');
    expect(headers).not.toHaveProperty('host');
  });

  // aws4fetch leaves Content-Type and Range unsigned, isr signs every header it sends: compared on the others.
  it('agrees with aws4fetch on keys, queries and headers that need encoding', async () => {
    const cases: { key?: string; query: Record<string, string>; headers: Record<string, string> }[] = [
      {
        key: 'blog/a b/ü+!*(x)~.html',
        query: {},
        headers: { 'cache-control': 'public,  max-age=60', 'if-match': 'abc', 'x-amz-meta-surrogate-key': 'a b' },
      },
      { key: undefined, query: { 'list-type': '2', prefix: 'site/é x/', 'continuation-token': 'a+b/c=' }, headers: {} },
      { key: undefined, query: { delete: '' }, headers: { 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==' } },
    ];
    for (const c of cases) {
      const path = `/bucket${c.key === undefined ? '' : `/${encodeKeyPath(c.key)}`}`;
      const query = canonicalQuery(c.query);
      const body = new TextEncoder().encode('body');
      const ours = signRequest({
        method: 'PUT',
        host: '127.0.0.1:9000',
        path,
        query: c.query,
        headers: c.headers,
        payloadHash: sha256Hex(body),
        region: 'auto',
        credentials: { accessKeyId: 'key', secretAccessKey: 'secret', sessionToken: 'token' },
        now: new Date('2026-06-01T12:34:56.789Z'),
      });
      const theirs = await new AwsV4Signer({
        method: 'PUT',
        url: `http://127.0.0.1:9000${path}${query ? `?${query}` : ''}`,
        headers: { ...c.headers, 'x-amz-content-sha256': sha256Hex(body) },
        body,
        accessKeyId: 'key',
        secretAccessKey: 'secret',
        sessionToken: 'token',
        service: 's3',
        region: 'auto',
        datetime: '20260601T123456Z',
      }).sign();
      expect(ours.authorization).toBe(theirs.headers.get('authorization'));
      expect(ours['x-amz-security-token']).toBe('token');
    }
  });

  it('encodes each key segment and keeps the slashes', () => {
    expect(encodeKeyPath("a b/c+d/it's(1)*.html")).toBe('a%20b/c%2Bd/it%27s%281%29%2A.html');
  });
});
