import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Counter, genCounterSite, renderNumber, startCounter } from './harness/counter-site.js';
import { evilTarget, METHODS, targetBytes } from './harness/evil-urls.js';
import { KeepAliveClient, rawGet, rawRequest } from './harness/raw-http.js';
import { type ServeProc, startServe } from './harness/serve-proc.js';
import { count, pool, report, rng, seedFrom, startIsr } from './harness/util.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const URLS = count('ISR_REL_ABUSE_URLS', 2000, 10_000);
const BURST = count('ISR_REL_WEBHOOK_BURST', 1000, 1000);
const SEED = seedFrom();
const SECRET = `TOPSECRET-${randomBytes(8).toString('hex')}`;
const HOOK_SECRET = `hook-${randomBytes(12).toString('hex')}`;

describe(`isr serve under abuse (seed ${SEED})`, () => {
  let counter: Counter;
  let root: string;
  let srv: ServeProc;
  beforeAll(async () => {
    counter = await startCounter();
    root = await genCounterSite(40, 3600);
    const b = await startIsr(['build', root], { now: NOW, env: { ISR_REL_COUNTER: counter.url } }).exited;
    expect(b.code, b.stderr).toBe(0);
    // Things that must never be served: beside outDir, hidden in it, or reached through a symlink.
    await writeFile(path.join(root, 'secret.txt'), `${SECRET}\n`);
    await writeFile(path.join(root, 'isr.config.mjs'), `${await readFile(path.join(root, 'isr.config.mjs'), 'utf8')}\n// ${SECRET}\n`);
    await writeFile(path.join(root, 'dist', '.hidden-secret.txt'), SECRET);
    await writeFile(path.join(root, 'dist', 'c', '0', '.index.html.999.abcdef01.isr-tmp'), SECRET);
    await symlink(path.join(root, 'secret.txt'), path.join(root, 'dist', 'link-to-secret'));
    await symlink(root, path.join(root, 'dist', 'link-to-root'), 'dir');
    await mkdir(path.join(root, 'dist', '.well-known'), { recursive: true });
    await writeFile(path.join(root, 'dist', '.well-known', 'security.txt'), 'Contact: mailto:security@example.com\n');
    srv = await startServe(root, { now: NOW + 1000, env: { ISR_REL_COUNTER: counter.url, ISR_REVALIDATE_SECRET: HOOK_SECRET } });
  }, 60_000);
  afterAll(async () => {
    await srv?.stop();
    await counter?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const serverHealthy = async () => {
    expect(srv.alive(), `server exited: ${srv.stderr()}`).toBe(true);
    const ok = await rawGet(srv.port, '/c/1/');
    expect(ok.status).toBe(200);
    expect(renderNumber(ok.body.toString('utf8'))).toBeGreaterThan(0);
    expect(srv.stderr()).not.toMatch(/internal error|\n\s+at |Error: /);
  };

  it(`${URLS} hostile URLs: nothing outside outDir or hidden is served, no 5xx, no crash`, async () => {
    const r = rng(SEED);
    const requests = Array.from({ length: URLS }, () => {
      const target = evilTarget(r);
      return { target, bytes: targetBytes(target, r), method: r() < 0.85 ? 'GET' : METHODS[Math.floor(r() * METHODS.length)]! };
    });
    const statuses: Record<string, number> = {};
    const bad: string[] = [];
    await pool(requests, 32, async (q) => {
      const res = await rawGet(srv.port, q.bytes, q.method);
      const key = res.timedOut ? 'timeout' : String(res.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      const what = `${q.method} ${JSON.stringify(q.target).slice(0, 120)}`;
      if (res.raw.includes(SECRET)) bad.push(`${what}: served the secret`);
      if (res.status >= 500) bad.push(`${what}: ${res.status}`);
      // CONNECT is handed to Node's 'connect' event; with no listener Node closes the socket without
      // an answer (no 5xx, no crash: acceptable for an origin). Every other request gets a status.
      const closedConnect = q.method === 'CONNECT' && res.status === 0 && !res.timedOut;
      if ((res.status === 0 && !closedConnect) || res.timedOut)
        bad.push(`${what}: no response (${res.error ?? (res.timedOut ? 'timeout' : 'closed')})`);
    });
    report('serve-abuse', { seed: SEED, urls: URLS, statuses, problems: bad.length });
    expect(bad.slice(0, 20), `seed ${SEED} (rerun with ISR_REL_SEED=${SEED})`).toEqual([]);
    // Sanity: the allowed file in .well-known is served, so the 404s above are not a blanket refusal.
    expect((await rawGet(srv.port, '/.well-known/security.txt')).status).toBe(200);
    await serverHealthy();
  }, 300_000);

  it('webhook: wrong secrets, oversize and malformed bodies are refused without rendering anything', async () => {
    const before = counter.log.length;
    const hook = '/__isr/revalidate';
    const post = (target: string, headers: Record<string, string>, body: string | Buffer) =>
      rawRequest(
        srv.port,
        Buffer.concat([
          Buffer.from(
            `POST ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`,
          ),
          Buffer.from(
            `${Object.entries(headers)
              .map(([k, v]) => `${k}: ${v}\r\n`)
              .join('')}\r\n`,
          ),
          Buffer.from(body),
        ]),
      );
    const good = JSON.stringify({ path: '/c/2/' });
    const wrongSecrets: [string, Record<string, string>][] = [
      [hook, {}],
      [hook, { authorization: 'Bearer wrong' }],
      [hook, { authorization: `Bearer ${HOOK_SECRET.slice(0, -1)}` }],
      [hook, { authorization: `Bearer ${HOOK_SECRET}x` }],
      [hook, { authorization: `Basic ${Buffer.from(`u:${HOOK_SECRET}`).toString('base64')}` }],
      [hook, { 'x-isr-secret': '' }],
      [hook, { 'x-isr-secret': HOOK_SECRET.toUpperCase() }],
      [`${hook}?secret=`, {}],
      [`${hook}?secret=${encodeURIComponent(HOOK_SECRET)}%00`, {}],
      [`${hook}?sEcret=${HOOK_SECRET}`, {}],
    ];
    for (const [target, headers] of wrongSecrets) {
      const res = await post(target, headers, good);
      expect(res.status, `${target} ${JSON.stringify(headers)}`).toBe(401);
    }
    const auth = { authorization: `Bearer ${HOOK_SECRET}` };
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    // Refused on the declared length: the 413 is sent and the connection closed while the client
    // is still sending, so the client sees the 413 or (its unread bytes make the kernel reset the
    // connection) a reset. Either way: refused, nothing rendered.
    const refused = (r: { status: number; error?: string }) =>
      r.status === 413 || (r.status === 0 && /ECONNRESET|EPIPE/.test(r.error ?? ''));
    const declared = await post(hook, auth, big);
    expect(refused(declared), `a 2 MB body: ${declared.status} ${declared.error}`).toBe(true);
    // Without a length (chunked), the limit applies while reading.
    const chunked = await rawRequest(
      srv.port,
      Buffer.concat([
        Buffer.from(
          `POST ${hook} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${HOOK_SECRET}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ),
        ...Array.from({ length: 40 }, () => Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')])),
        Buffer.from('0\r\n\r\n'),
      ]),
    );
    expect(refused(chunked), `a 2.5 MB chunked body: ${chunked.status} ${chunked.error}`).toBe(true);
    // A declared length that is huge, with little sent: refused on the header, not waited for.
    const lying = await rawRequest(
      srv.port,
      `POST ${hook} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${HOOK_SECRET}\r\nContent-Length: 99999999999\r\n\r\n{}`,
      5000,
    );
    expect(lying.status).toBe(413);
    const malformed: (string | Buffer)[] = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '42',
      '{"path": 5}',
      '{"path": "../x"}',
      '{"path": "/c/../../secret.txt"}',
      '{"path": "c/2/"}',
      '{"paths": "x"}',
      '{"tag": ""}',
      '{"tags": [null]}',
      '{"paths": []}',
      '{"path": "/a\\\\b/"}',
      '{"path": "/a\\u0000b/"}',
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      '['.repeat(200_000) + ']'.repeat(200_000),
      `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
    ];
    for (const body of malformed) {
      const res = await post(hook, auth, body);
      const what = Buffer.isBuffer(body) ? `bytes ${body.toString('hex')}` : JSON.stringify(body.slice(0, 40));
      expect(res.status, `${what}: ${res.raw.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
    }
    expect((await rawGet(srv.port, hook)).status, 'GET on the webhook').toBe(405);
    expect(counter.log.length, 'no render for any refused request').toBe(before);
    await serverHealthy();
  }, 120_000);

  it(`webhook: ${BURST} revalidations of one path in a burst are coalesced (at most one render per 10 calls)`, async () => {
    // Every request in flight at once (one connection each): a burst, not a closed loop.
    const client = new KeepAliveClient(srv.port, BURST);
    const before = counter.log.filter((e) => e.page === '3').length;
    try {
      const replies = await Promise.all(
        Array.from({ length: BURST }, () =>
          client.request('/__isr/revalidate', {
            method: 'POST',
            headers: { authorization: `Bearer ${HOOK_SECRET}`, 'content-type': 'application/json' },
            body: '{"path":"/c/3/"}',
          }),
        ),
      );
      const statuses = replies.map((r) => r.status);
      expect(
        statuses.filter((s) => s !== 200),
        statuses.join(','),
      ).toEqual([]);
      const renders = counter.log.filter((e) => e.page === '3').length - before;
      report('webhook-burst', { requests: BURST, renders });
      expect(renders).toBeGreaterThanOrEqual(1);
      // Coalesced: calls that arrive while a run is under way merge into the next one. How many
      // runs a burst spans depends on how long the client takes to open its connections against
      // how long a run takes (a few ms since the shard patching of d04c280, ~10 ms before; the
      // 1,000 connections take ~100 ms to open here), so the bound is a share of the burst, not
      // a fixed few: one render per call, the failure this guards against, is 10x over it.
      expect(renders).toBeLessThanOrEqual(Math.max(5, BURST / 10));
      // And the page shows the newest render.
      const page = await client.request('/c/3/');
      expect(renderNumber(page.body.toString('utf8'))).toBe(counter.maxFor('3'));
    } finally {
      client.close();
    }
    await serverHealthy();
  }, 120_000);

  it('slow clients (stalled headers, dribbled bodies, unread responses) do not stall others', async () => {
    const socks: net.Socket[] = [];
    const open = (first: string) =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(srv.port, '127.0.0.1', () => {
          s.write(first);
          resolve(s);
        });
        s.on('error', () => {});
        socks.push(s);
      });
    try {
      // 40 connections that never finish their headers, 20 that dribble a webhook body, 20 that
      // ask for pages over and over without ever reading the answers.
      for (let i = 0; i < 40; i++) await open('GET /c/1/ HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      for (let i = 0; i < 20; i++)
        await open(
          `POST /__isr/revalidate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${HOOK_SECRET}\r\nContent-Length: 1000\r\n\r\n{"pa`,
        );
      for (let i = 0; i < 20; i++) {
        const s = await open('');
        s.pause();
        s.write('GET /c/2/ HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200));
      }
      const dribble = setInterval(() => {
        for (const s of socks) if (!s.destroyed) s.write('a');
      }, 200);
      try {
        const client = new KeepAliveClient(srv.port, 8);
        const times: number[] = [];
        await pool(
          Array.from({ length: 200 }, (_, i) => i),
          8,
          async (i) => {
            const t = performance.now();
            const res = await client.request(`/c/${i % 40}/`, { timeoutMs: 5000 });
            times.push(performance.now() - t);
            expect(res.status).toBe(200);
            expect(renderNumber(res.body.toString('utf8'))).toBeGreaterThan(0);
          },
        );
        client.close();
        times.sort((a, b) => a - b);
        const p99 = times[Math.floor(times.length * 0.99)]!;
        report('slow-clients', {
          slow: socks.length,
          requests: times.length,
          p50Ms: Math.round(times[times.length >> 1]!),
          p99Ms: Math.round(p99),
        });
        expect(p99).toBeLessThan(2000);
      } finally {
        clearInterval(dribble);
      }
    } finally {
      for (const s of socks) s.destroy();
    }
    await serverHealthy();
  }, 120_000);
});
