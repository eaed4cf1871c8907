/**
 * contentfulSignature() and sanitySignature() against signatures made by the CMSs' own
 * libraries: @contentful/node-apps-toolkit's signRequest (fixtures/contentful-site/requests/
 * vectors.json, made by sign.mjs there) and @sanity/webhook's own test vector.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../src/types.js';
import { contentfulSignature, sanitySignature } from '../../src/webhooks/signatures.js';
import { REPO } from '../helpers/site.js';

interface Vector {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  secret: string;
  signedAt: number;
  signed: Record<string, string>;
}
const vectors: Vector[] = JSON.parse(readFileSync(path.join(REPO, 'fixtures/contentful-site/requests/vectors.json'), 'utf8'));

/** A request as isr serve hands it over: header names in lower case. */
function requestOf(v: Vector, now = v.signedAt + 1000): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [k, value] of Object.entries({ ...v.headers, ...v.signed })) headers[k.toLowerCase()] = value;
  return { method: v.method, path: v.path, headers, body: v.body, now };
}

describe('contentfulSignature()', () => {
  it('accepts what Contentful signed: a query, a non-ASCII path, padded values, mixed-case names, a non-ASCII body', () => {
    for (const v of vectors) expect(contentfulSignature({ secret: v.secret })(requestOf(v)), v.path).toBe(true);
  });

  it('refuses another body, method, path, signed header value or secret', () => {
    const v = vectors[0]!;
    const verify = contentfulSignature({ secret: v.secret });
    const mismatch = /^x-contentful-signature does not match/;
    expect(verify({ ...requestOf(v), body: `${v.body} ` })).toMatch(mismatch);
    expect(verify({ ...requestOf(v), method: 'PUT' })).toMatch(mismatch);
    expect(verify({ ...requestOf(v), path: '/hooks/cms?space=a b&x=2' })).toMatch(mismatch);
    expect(verify({ ...requestOf(v), headers: { ...requestOf(v).headers, accept: 'text/html' } })).toMatch(mismatch);
    expect(contentfulSignature({ secret: 'x'.repeat(64) })(requestOf(v))).toMatch(mismatch);
  });

  it('refuses a timestamp past the tolerance either way, and says by how much', () => {
    const v = vectors[0]!;
    expect(contentfulSignature({ secret: v.secret })(requestOf(v, v.signedAt + 299_999))).toBe(true);
    expect(contentfulSignature({ secret: v.secret })(requestOf(v, v.signedAt + 300_000))).toBe(
      'x-contentful-timestamp is 300 s old; at most 300 s either way are accepted (tolerance)',
    );
    expect(contentfulSignature({ secret: v.secret, tolerance: 30 })(requestOf(v, v.signedAt - 31_000))).toBe(
      'x-contentful-timestamp is 31 s in the future; at most 30 s either way are accepted (tolerance)',
    );
  });

  it('refuses unsigned and malformed requests, and refuses all when the secret is not set', () => {
    const v = vectors[0]!;
    const verify = contentfulSignature({ secret: v.secret });
    const r = requestOf(v);
    expect(verify({ ...r, headers: { accept: '*/*' } })).toMatch(/^no x-contentful-signature header/);
    expect(verify({ ...r, headers: { ...r.headers, 'x-contentful-signature': 'abc' } })).toMatch(/^malformed/);
    expect(verify({ ...r, headers: { ...r.headers, 'x-contentful-timestamp': 'yesterday' } })).toMatch(/^malformed/);
    expect(contentfulSignature({ secret: undefined })(r)).toMatch(/no signing secret is configured/);
    expect(() => contentfulSignature({ secret: 'short' })).toThrow(/64-character/);
  });
});

describe('sanitySignature()', () => {
  // @sanity/webhook's test vector (test/signature.test.ts of sanity-io/webhook-toolkit).
  const body = JSON.stringify({ _id: 'resume' });
  const header = 't=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0';
  const request = (h: string, b = body, now = 1633519811129 + 5000): WebhookRequest => ({
    method: 'POST',
    path: '/',
    headers: { 'sanity-webhook-signature': h },
    body: b,
    now,
  });

  it("accepts Sanity's own test vector and refuses any change to it", () => {
    const verify = sanitySignature({ secret: 'test' });
    expect(verify(request(header))).toBe(true);
    const mismatch = 'sanity-webhook-signature does not match (wrong secret, or the request was altered)';
    expect(verify(request(header.replace('1129', '1128'), body, 1633519811128))).toBe(mismatch);
    expect(verify(request(header.replace(/0$/, '1')))).toBe(mismatch);
    expect(verify(request(header, JSON.stringify({ _id: 'structure' })))).toBe(mismatch);
    expect(verify(request(header.replace('v1=', 'v5=')))).toBe('malformed sanity-webhook-signature header');
    expect(sanitySignature({ secret: 'other' })(request(header))).toBe(mismatch);
  });

  it('refuses a stale timestamp and a missing header', () => {
    const verify = sanitySignature({ secret: 'test', tolerance: 60 });
    expect(verify(request(header, body, 1633519811129 + 61_000))).toMatch(/is 61 s old; at most 60 s/);
    expect(verify({ ...request(header), headers: {} })).toMatch(/^no sanity-webhook-signature header/);
  });
});
