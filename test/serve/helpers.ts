import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import type { Logger } from '../../src/logger.js';
import { createServer, type IsrServer, type ServeOptions } from '../../src/serve/create-server.js';
import { type TempSite, tempSite } from '../helpers/site.js';

/** The time the fixture is built at; servers start a second later. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A logger that keeps its lines, so tests can assert what was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, info: push('info'), warn: push('warn'), error: push('error'), debug: () => {}, progress: () => {}, done: () => {} };
}

export interface ServedSite {
  site: TempSite;
  server: IsrServer;
  config: ResolvedConfig;
  logger: ReturnType<typeof recordingLogger>;
  /** The injected clock: set it to move time. */
  clock: { now: number };
  /** Lines of renders.log (one per load() call). */
  renders(): Promise<string[]>;
  get(p: string, headers?: Record<string, string>, method?: string): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** Copy a fixture, build it at T0 with the real CLI, and serve it in-process on 127.0.0.1:0. */
export async function serveFixture(
  name: string,
  opts: Partial<ServeOptions> & { configure?: (c: ResolvedConfig) => ResolvedConfig } = {},
): Promise<ServedSite> {
  const site = await tempSite(name);
  const built = await site.run(['build'], { now: T0 });
  if (built.code !== 0) throw new Error(`build failed: ${built.stderr}`);
  await site.write('renders.log', '');
  const loaded = await loadConfig(site.root);
  const config = opts.configure ? opts.configure(loaded) : loaded;
  const logger = recordingLogger();
  const clock = { now: T0 + 1000 };
  const server = await createServer({ config, clock: () => clock.now, logger, port: 0, env: {}, ...opts });
  return {
    site,
    server,
    config,
    logger,
    clock,
    renders: async () => (await readFile(path.join(site.root, 'renders.log'), 'utf8')).split('\n').filter(Boolean),
    get: (p, headers = {}, method = 'GET') => request(server.url, p, { headers, method }),
    close: async () => {
      await server.close();
      await site.cleanup();
    },
  };
}

/**
 * A raw HTTP request (node:http, not fetch): the path is sent exactly as given (no
 * normalisation of `..` or `%2e`), and no Accept-Encoding is added unless asked for.
 */
export function request(
  base: string,
  p: string,
  o: { headers?: Record<string, string>; method?: string; body?: string | Buffer } = {},
): Promise<Reply> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: p, method: o.method ?? 'GET', headers: o.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/**
 * A call of the revalidation webhook: POST `body` (JSON unless already a string) as
 * application/json to /__isr/revalidate (or `path`), with `Bearer <secret>`; `headers`, when
 * given, stand in for that authorization (pass {} to send none).
 */
export function webhook(
  s: ServedSite,
  body: unknown,
  o: { secret?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<Reply> {
  return request(s.server.url, o.path ?? '/__isr/revalidate', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.headers ?? { authorization: `Bearer ${o.secret}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * Poll `check` (no fixed sleeps): for effects of another process or a file watcher. The deadline
 * only ends a wait that would never succeed; it is generous so a loaded machine never reaches it.
 */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 25_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
