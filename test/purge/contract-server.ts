/**
 * A local stand-in for a CDN's purge API: it records every request exactly as received (method,
 * path, headers, body) and answers from a script, so a test checks what isr sends against what
 * the provider documents. Not the provider: these are contract tests (README "CDN purge").
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface ContractServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  received: Received[];
  /** The answer to the next requests (one call each, then `fallback`). */
  answer(next: (r: Received) => Answer): void;
  close(): Promise<void>;
}

export async function contractServer(fallback: (r: Received) => Answer): Promise<ContractServer> {
  const received: Received[] = [];
  let answer = fallback;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    answer: (next) => {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The fixture blog with `purge` added to its config (the adapter call as a user writes it). */
export function withPurge(configText: string, importName: string, call: string): string {
  return configText
    .replace(
      "import { defineConfig, files, pageParams, paginate } from 'static-isr';",
      `import { defineConfig, files, pageParams, paginate, ${importName} } from 'static-isr';`,
    )
    .replace('  helpers: { describe },', `  helpers: { describe },\n  purge: ${call},`);
}

/** The public URL path of each changed file, as isr's --json reports them (`x/index.html` → `/x/`). */
export function urlPathsOf(files: readonly string[], base = '/'): string[] {
  return files
    .filter((f) => f !== '_headers' && f !== '_redirects')
    .map((f) => `${base}${f === 'index.html' ? '' : f.replace(/(^|\/)index\.html$/, '$1')}`)
    .sort();
}
