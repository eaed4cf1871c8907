/**
 * HTTP clients for the server suites. `rawRequest` writes bytes to a TCP socket, so a request
 * line can carry anything (NUL, backslash, bad encodings, absolute-form targets) that an HTTP
 * library would refuse to send; `KeepAliveClient` reuses connections for load.
 */
import http from 'node:http';
import net from 'node:net';

export interface RawReply {
  status: number;
  /** Whole response (head and body), latin1. */
  raw: string;
  body: Buffer;
  timedOut?: boolean;
  error?: string;
}

/** Send `request` (bytes) on a fresh connection and read until the server closes it. */
export function rawRequest(port: number, request: Buffer | string, timeoutMs = 10_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1');
    let done = false;
    const finish = (extra: Partial<RawReply> = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const all = Buffer.concat(chunks);
      const raw = all.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const sep = all.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, raw, body: sep >= 0 ? all.subarray(sep + 4) : Buffer.alloc(0), ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish({ error: e.message }));
    sock.write(request);
  });
}

/** A GET with `Connection: close`, the target written exactly as given. */
export function rawGet(port: number, target: string | Buffer, method = 'GET'): Promise<RawReply> {
  const head = Buffer.concat([
    Buffer.from(`${method} `, 'latin1'),
    Buffer.isBuffer(target) ? target : Buffer.from(target, 'latin1'),
    Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'latin1'),
  ]);
  return rawRequest(port, head);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Requests over a pool of keep-alive connections (one agent per client). */
export class KeepAliveClient {
  readonly agent: http.Agent;
  constructor(
    private readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }
  request(
    p: string,
    o: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, path: p, method: o.method ?? 'GET', headers: o.headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(o.timeoutMs ?? 15_000, () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end(o.body);
    });
  }
  close(): void {
    this.agent.destroy();
  }
}
