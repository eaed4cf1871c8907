import { AwsV4Signer } from 'aws4fetch';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ContractServer, contractServer, type Received, urlPathsOf, withPurge } from './contract-server.js';

// Contract test (issue 20 item 4): CloudFront's CreateInvalidation (API 2020-05-31) as AWS
// documents it, served by a local server that checks the SigV4 signature with an independent
// signer (aws4fetch). The real API is not reachable from here.
const DIST = 'EDFDVBD6EXAMPLE';
const creds = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'tok/en+=',
};
const CREATED = { status: 201, body: '<Invalidation><Id>I2J0I21PCUYOIK</Id><Status>InProgress</Status></Invalidation>' };

let site: TempSite;
let api: ContractServer;
afterEach(async () => {
  await site?.cleanup();
  await api?.close();
});

async function siteWith(options: string, base?: string): Promise<void> {
  api = await contractServer(() => CREATED);
  site = await tempSite('blog');
  let config = withPurge(
    await site.read('isr.config.mjs'),
    'cloudfront',
    `cloudfront({ distributionId: '${DIST}', endpoint: '${api.origin}'${options} })`,
  );
  if (base) config = config.replace('  helpers: { describe },', `  helpers: { describe },\n  base: '${base}',`);
  await site.write('isr.config.mjs', config);
}

/** The request as AWS documents it: path, content type, XML body, and a SigV4 signature aws4fetch agrees with. */
async function checkRequest(r: Received): Promise<string[]> {
  expect(r.method).toBe('POST');
  expect(r.path).toBe(`/2020-05-31/distribution/${DIST}/invalidation`);
  expect(r.headers['content-type']).toBe('application/xml');
  expect(r.headers['x-amz-security-token']).toBe(creds.AWS_SESSION_TOKEN);
  const auth = String(r.headers.authorization);
  const m =
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/us-east-1\/cloudfront\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
      auth,
    );
  expect(m, auth).not.toBeNull();
  const signed = m![2]!.split(';');
  expect(signed).toEqual(['content-type', 'host', 'x-amz-date', 'x-amz-security-token']);
  const signer = new AwsV4Signer({
    method: 'POST',
    url: `${api.origin}${r.path}`,
    headers: Object.fromEntries(signed.filter((h) => h !== 'host').map((h) => [h, String(r.headers[h])])),
    body: r.body,
    accessKeyId: creds.AWS_ACCESS_KEY_ID,
    secretAccessKey: creds.AWS_SECRET_ACCESS_KEY,
    sessionToken: creds.AWS_SESSION_TOKEN,
    service: 'cloudfront',
    region: 'us-east-1',
    datetime: String(r.headers['x-amz-date']),
    allHeaders: true, // every header isr signed (aws4fetch leaves content-type out by default)
  });
  expect(auth).toBe(await signer.authHeader());
  const body =
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<InvalidationBatch xmlns="http:\/\/cloudfront\.amazonaws\.com\/doc\/2020-05-31\/"><Paths><Quantity>(\d+)<\/Quantity><Items>((?:<Path>[^<]+<\/Path>)+)<\/Items><\/Paths><CallerReference>isr-\d+-[0-9a-f]{16}<\/CallerReference><\/InvalidationBatch>$/.exec(
      r.body,
    );
  expect(body, r.body).not.toBeNull();
  const paths = [...body![2]!.matchAll(/<Path>([^<]+)<\/Path>/g)].map((p) => p[1]!);
  expect(paths).toHaveLength(Number(body![1]));
  return paths;
}

describe('the CloudFront invalidation (contract test)', () => {
  it('invalidates exactly the changed paths, under the base path, in one signed CreateInvalidation', async () => {
    await siteWith('', '/docs/');
    const built = await site.run(['build', '--json'], { now: '2026-01-01T00:00:00Z', env: creds });
    expect(built.code, built.stderr).toBe(0);
    expect(api.received).toHaveLength(1);
    expect(await checkRequest(api.received[0]!)).toEqual(urlPathsOf(JSON.parse(built.stdout).written, '/docs/'));
    expect(api.received[0]!.headers['x-amz-date']).toBe('20260101T000000Z');
    expect(built.stderr).not.toContain(creds.AWS_SECRET_ACCESS_KEY);

    api.received.length = 0;
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
    const regen = await site.run(['regen', '--path', '/docs/blog/hello-world/', '--json'], { now: '2026-01-01T00:01:00Z', env: creds });
    expect(regen.code, regen.stderr).toBe(0);
    const changed = JSON.parse(regen.stdout);
    const paths = await checkRequest(api.received[0]!);
    expect(paths).toEqual(urlPathsOf([...changed.written, ...changed.removed], '/docs/'));
    expect(paths).toContain('/docs/blog/hello-world/');
  });

  it('sends one wildcard beyond maxPaths, and falls back to it when CloudFront has too many in flight', async () => {
    await siteWith(', maxPaths: 2');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env: creds })).code).toBe(0);
    expect(await checkRequest(api.received[0]!)).toEqual(['/*']);

    await api.close();
    await siteWith('');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env: creds })).code).toBe(0);
    api.received.length = 0;
    let calls = 0;
    api.answer(() =>
      calls++ === 0
        ? {
            status: 400,
            body: '<ErrorResponse><Error><Type>Sender</Type><Code>TooManyInvalidationsInProgress</Code></Error></ErrorResponse>',
          }
        : CREATED,
    );
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
    const regen = await site.run(['regen', '--path', '/blog/hello-world/'], { now: '2026-01-01T00:01:00Z', env: creds });
    expect(regen.code, regen.stderr).toBe(0);
    expect(api.received).toHaveLength(2);
    expect(await checkRequest(api.received[0]!)).toContain('/blog/hello-world/');
    expect(await checkRequest(api.received[1]!)).toEqual(['/*']);
  });

  it('fails on an access error with one line, and keeps the change set', async () => {
    await siteWith('');
    api.answer(() => ({
      status: 403,
      body: '<ErrorResponse><Error><Code>AccessDenied</Code><Message>User is not authorized</Message></Error></ErrorResponse>',
    }));
    const built = await site.run(['build'], { now: '2026-01-01T00:00:00Z', env: creds });
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(/CloudFront purge of \d+ paths failed: HTTP 403 from 127\.0\.0\.1:\d+: .*AccessDenied/);
    expect(built.stderr).toContain('the change set (');
    expect(built.stderr).not.toContain(creds.AWS_SECRET_ACCESS_KEY);
  });
});
