/**
 * A loopback HTTP proxy in front of the real Ceph RGW, for the tests and the benchmark that drive
 * `isr` as a subprocess: the CLI is pointed at it with `--endpoint`, and it
 * - counts the requests by method (`POST ?delete` as DELETE-BATCH) and logs each one;
 * - can FREEZE the process behind it: from the first request matching a test's predicate, that
 *   request and every later one are held (not forwarded) until the test thaws them or drops them.
 *   A run whose requests are held is stalled exactly where the test chose, with no timing guess;
 * - can strip If-Match / If-None-Match (and sign the request again, as a proxy holding the
 *   credentials would), to play a store that ignores conditional writes.
 * Requests are forwarded with their own Host header, so the client's signature stays valid.
 */
import { createServer, type IncomingHttpHeaders, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256Hex, signRequest } from '../../src/store/s3-sign.js';
import { S3 } from './helpers.js';

export interface ProxiedRequest {
  /** GET, HEAD, PUT, POST, DELETE, or DELETE-BATCH for `POST ?delete`. */
  kind: string;
  method: string;
  /** The object key in the bucket ('' for a bucket-level request). */
  key: string;
  /** The URL path as sent (encoded). */
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The answer's status, once answered (undefined while held or when dropped). */
  status?: number;
}

export interface S3Proxy {
  /** The endpoint to give isr (`--endpoint`). */
  endpoint: string;
  /** Requests forwarded so far, by kind. */
  count: Record<string, number>;
  /** Every request received, in order of arrival. */
  log: ProxiedRequest[];
  total(): number;
  reset(): void;
  /**
   * From the first request matching `match` on, hold every request. Resolves with that first
   * request once it has arrived (and is held).
   */
  freeze(match: (r: ProxiedRequest) => boolean): Promise<ProxiedRequest>;
  /** Forward the held requests, in order, and stop holding; resolves once the server answered them all. */
  thaw(): Promise<void>;
  /** Never forward the held requests: their connections are cut (a process killed mid-request). */
  drop(): void;
  /** Requests held right now. */
  held(): number;
  close(): Promise<void>;
}

export async function startS3Proxy(o: { stripConditions?: boolean; target?: string } = {}): Promise<S3Proxy> {
  const target = new URL(o.target ?? S3.endpoint);
  const count: Record<string, number> = {};
  const log: ProxiedRequest[] = [];
  let frozen: { match: (r: ProxiedRequest) => boolean; first?: (r: ProxiedRequest) => void; on: boolean } | undefined;
  let queue: { r: ProxiedRequest; res: ServerResponse }[] = [];

  /** Sends `r` on; resolves once the server has answered it (or failed to). */
  const forward = (r: ProxiedRequest, res: ServerResponse): Promise<void> =>
    new Promise((done) => {
      count[r.kind] = (count[r.kind] ?? 0) + 1;
      const headers = o.stripConditions ? { ...resign(r, target), 'content-length': String(r.body.length) } : r.headers;
      const up = request(
        { host: target.hostname, port: target.port, method: r.method, path: `${r.path}${r.query ? `?${r.query}` : ''}`, headers },
        (answer) => {
          r.status = answer.statusCode;
          done();
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => {
        res.destroy();
        done();
      });
      up.end(r.body);
    });

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const [pathPart = '/', query = ''] = (req.url ?? '/').split('?');
    const inBucket = decodeURIComponent(pathPart).replace(/^\/+/, '');
    const key = inBucket.startsWith(`${S3.bucket}/`) ? inBucket.slice(S3.bucket.length + 1) : '';
    const method = req.method ?? 'GET';
    const kind = method === 'POST' && /(^|&)delete(=|&|$)/.test(query) ? 'DELETE-BATCH' : method;
    const r: ProxiedRequest = { kind, method, key, path: pathPart, query, headers: req.headers, body: Buffer.concat(chunks) };
    log.push(r);
    if (frozen && !frozen.on && frozen.match(r)) {
      frozen.on = true;
      frozen.first?.(r);
    }
    if (frozen?.on) queue.push({ r, res });
    else void forward(r, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count,
    log,
    total: () => Object.values(count).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(count)) delete count[k];
      log.length = 0;
    },
    freeze: (match) =>
      new Promise((resolve) => {
        frozen = { match, first: resolve, on: false };
      }),
    thaw: async () => {
      frozen = undefined;
      const q = queue;
      queue = [];
      await Promise.all(q.map(({ r, res }) => forward(r, res)));
    },
    drop: () => {
      frozen = undefined;
      const q = queue;
      queue = [];
      for (const { res } of q) res.destroy();
    },
    held: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const { res } of queue) res.destroy();
        queue = [];
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request's headers without If-Match / If-None-Match, signed again for the target. */
function resign(r: ProxiedRequest, target: URL): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (/^(content-md5|content-type|cache-control|x-amz-website-redirect-location|x-amz-meta-.*)$/.test(k) && typeof v === 'string')
      keep[k] = v;
  }
  const query = Object.fromEntries(new URLSearchParams(r.query));
  return signRequest({
    method: r.method,
    host: target.host,
    path: r.path,
    query,
    headers: keep,
    payloadHash: sha256Hex(r.body),
    region: S3.region,
    credentials: S3.credentials,
    now: new Date(),
  });
}
