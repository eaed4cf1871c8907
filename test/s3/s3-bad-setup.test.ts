/**
 * A wrong S3 setup is one clear line each, with its exit code: wrong credentials, a missing
 * bucket, an endpoint that does not answer (bounded), and a store that ignores conditional writes
 * (the real Ceph RGW behind a gateway that drops If-Match / If-None-Match, as some proxies do).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { sha256Hex, signRequest } from '../../src/store/s3-sign.js';
import { openS3SiteStore } from '../../src/store/s3-store.js';
import { listKeys } from '../../src/store/store.js';
import { describeS3, emptyStore, S3, testSiteStore, uniquePrefix } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** The rejection of `p`, checked to be one IsrError line with `code` and its exit status. */
async function refusal(p: Promise<unknown>, code: string, exit: number): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IsrError);
  const e = err as IsrError;
  expect(e.code).toBe(code);
  expect(e.exitCode).toBe(exit);
  expect(e.toLine()).not.toMatch(/\n/);
  expect(e.toLine()).not.toContain(S3.credentials.secretAccessKey || 'no-secret-here');
  return e.toLine();
}

describeS3('S3 store: wrong setup against the real server', () => {
  it('says the credentials were refused, without the secret, exit 3', async () => {
    const s = testSiteStore({ credentials: { accessKeyId: S3.credentials.accessKeyId, secretAccessKey: 'wrong-secret-0123456789' } });
    const line = await refusal(s.site.get('x.html'), 'STORE_AUTH', 3);
    expect(line).toMatch(/refused GET .*SignatureDoesNotMatch.*check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(line).not.toContain('wrong-secret');
    const unknown = testSiteStore({ credentials: { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' } });
    expect(await refusal(unknown.site.put('x.html', bytes('x')), 'STORE_AUTH', 3)).toMatch(/InvalidAccessKeyId/);
  });

  it('says the bucket does not exist, from a read, a write, a listing and a lease, exit 3', async () => {
    const s = openS3SiteStore({ bucket: 'isr-no-such-bucket', endpoint: S3.endpoint, region: S3.region, credentials: S3.credentials });
    const line = await refusal(s.state.get('manifest/head.json'), 'STORE_NO_BUCKET', 3);
    expect(line).toBe(
      `the bucket isr-no-such-bucket does not exist at ${S3.endpoint} (create it, or correct the bucket name in the config or the s3:// URL)`,
    );
    await refusal(s.site.put('a.html', bytes('a')), 'STORE_NO_BUCKET', 3);
    await refusal(listKeys(s.site, ''), 'STORE_NO_BUCKET', 3);
    await refusal(s.leases.acquire('lock', { owner: 'x', ttlMs: 60_000 }), 'STORE_NO_BUCKET', 3);
  });

  describe('a store that ignores conditional writes', () => {
    let gateway: Server;
    let url: string;
    beforeAll(async () => {
      gateway = await conditionDroppingGateway();
      url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => gateway.close(() => resolve())));

    it('is refused loudly when a run takes the lease, first use or not, and nothing is left held', async () => {
      const prefix = uniquePrefix('noconditional');
      const open = () => openS3SiteStore({ bucket: S3.bucket, endpoint: url, region: S3.region, credentials: S3.credentials, prefix });
      const line = await refusal(open().leases.acquire('lock', { owner: 'run', ttlMs: 60_000 }), 'STORE_NO_CONDITIONAL_WRITES', 3);
      expect(line).toMatch(
        /ignored If-None-Match: \* on a PUT: two isr runs could overwrite each other's pages, so this run stops before publishing/,
      );
      // The lease object now exists (a second run takes the If-Match path): refused too.
      expect(await refusal(open().leases.acquire('lock', { owner: 'run 2', ttlMs: 60_000 }), 'STORE_NO_CONDITIONAL_WRITES', 3)).toMatch(
        /ignored If-Match/,
      );
      // Straight to the real server: the lease is free, for a store that honours conditions.
      const direct = testSiteStore({ prefix });
      const lease = await direct.leases.acquire('lock', { owner: 'a real run', ttlMs: 60_000 });
      await lease.release();
      await emptyStore(direct);
    });
  });
});

describe('S3 store: an endpoint that does not answer', () => {
  const creds = { accessKeyId: 'k', secretAccessKey: 's' };

  it('follows no redirect (the signed request goes to the endpoint only) and names the region S3 gives', async () => {
    let reachedElsewhere = 0;
    const elsewhere = createServer((_req, res) => {
      reachedElsewhere++;
      res.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const to = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
    const redirecting = createServer((_req, res) => {
      res
        .writeHead(301, { location: `${to}/isr-test/x.html`, 'x-amz-bucket-region': 'eu-west-3' })
        .end('<Error><Code>PermanentRedirect</Code></Error>');
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
      const s = openS3SiteStore({ bucket: 'isr-test', endpoint, credentials: creds, retries: 0 });
      const line = await refusal(s.site.get('x.html'), 'STORE_FAILED', 7);
      expect(line).toMatch(
        /redirected GET isr-test\/x\.html \(301 PermanentRedirect\); isr does not follow redirects \(the bucket is in eu-west-3: set region to it\)$/,
      );
      expect(reachedElsewhere).toBe(0);
    } finally {
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });

  it('gives up on a closed port after its bounded tries, exit 7', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const s = openS3SiteStore({ bucket: 'isr-test', endpoint: `http://127.0.0.1:${port}`, credentials: creds, retries: 1 });
    const line = await refusal(s.state.get('manifest/head.json'), 'STORE_UNREACHABLE', 7);
    expect(line).toMatch(
      new RegExp(
        `^the S3 endpoint http://127.0.0.1:${port} did not answer GET isr-test/\\.isr/manifest/head\\.json \\(ECONNREFUSED\\) after 2 tries`,
      ),
    );
  });

  it('gives up on a server that accepts and never answers, each try bounded by timeoutMs', async () => {
    const sockets: Socket[] = [];
    const silent = createServer(() => {}); // reads the request, never answers
    silent.on('connection', (c) => sockets.push(c));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const s = openS3SiteStore({ bucket: 'isr-test', endpoint, credentials: creds, timeoutMs: 200, retries: 1 });
      expect(await refusal(s.site.put('a.html', bytes('a')), 'STORE_UNREACHABLE', 7)).toMatch(/\(no answer within 200 ms\) after 2 tries/);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

/**
 * A gateway in front of the real server that drops If-Match and If-None-Match and signs the
 * request again (the way a proxy holding the credentials would), so the server never sees them.
 */
async function conditionDroppingGateway(): Promise<Server> {
  const target = new URL(S3.endpoint);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    const query = Object.fromEntries(new URLSearchParams(search));
    const keep: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (/^(content-md5|content-type|cache-control|x-amz-website-redirect-location|x-amz-meta-.*)$/.test(k) && typeof v === 'string')
        keep[k] = v;
    }
    const headers = signRequest({
      method: req.method!,
      host: target.host,
      path,
      query,
      headers: keep,
      payloadHash: sha256Hex(body),
      region: S3.region,
      credentials: S3.credentials,
      now: new Date(),
    });
    const answer = await fetch(`${target.origin}${req.url}`, { method: req.method, headers, body: body.length > 0 ? body : undefined });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
    });
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
