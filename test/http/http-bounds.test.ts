import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { type HttpOptions, http } from '../../src/sources/http.js';
import { json } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

/**
 * The `http` source's bounds, against two real servers on loopback (two ports: two origins):
 * configured headers never leave their origin, a cross-origin redirect is refused unless allowed,
 * the body is capped while it streams in, and it is decoded by its declared charset.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Origin {
  server: Server;
  url: string;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  routes: Map<string, Handler>;
}

async function origin(): Promise<Origin> {
  const o: Origin = { server: undefined!, url: '', seen: [], routes: new Map() };
  o.server = createServer((req, res) => {
    o.seen.push({ url: req.url ?? '', headers: req.headers });
    const h = o.routes.get(req.url ?? '');
    if (h) h(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => o.server.listen(0, '127.0.0.1', resolve));
  o.url = `http://127.0.0.1:${(o.server.address() as AddressInfo).port}`;
  return o;
}

const jsonReply =
  (body: unknown, type = 'application/json'): Handler =>
  (_req, res) =>
    res.writeHead(200, { 'content-type': type }).end(JSON.stringify(body));
const redirectTo =
  (location: string, status = 302): Handler =>
  (_req, res) =>
    res.writeHead(status, { location }).end();

let a: Origin;
let b: Origin;
let cacheRoot: string;

beforeAll(async () => {
  [a, b] = await Promise.all([origin(), origin()]);
  cacheRoot = await mkdtemp(path.join(tmpdir(), 'isr-http-bounds-'));
});
afterAll(async () => {
  for (const o of [a, b]) {
    o.server.closeAllConnections();
    await new Promise((resolve) => o.server.close(resolve));
  }
  await rm(cacheRoot, { recursive: true, force: true });
});
afterEach(() => {
  for (const o of [a, b]) {
    o.routes.clear();
    o.seen = [];
  }
});

/** One item fetched through a fresh source (no cache shared between tests). */
async function getItem(options: Partial<HttpOptions>, id = '1'): Promise<unknown> {
  const src = http({ item: `${a.url}/posts/:id`, retries: 0, timeout: 10_000, ...options });
  const cacheDir = await mkdtemp(path.join(cacheRoot, 'c-'));
  await src.setup!({ root: cacheRoot, cacheDir, now: new Date(), log: () => {} });
  return src.get!({ id, track: () => {}, now: new Date() });
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IsrError);
    return (err as IsrError).toLine();
  }
  throw new Error('expected the request to fail');
}

describe('redirects', () => {
  it('refuses a redirect to another origin by default, sending nothing there', async () => {
    a.routes.set('/posts/1', redirectTo(`${b.url}/evil`));
    b.routes.set('/evil', jsonReply({ id: 1, title: 'from the other host' }));
    const line = await failure(getItem({ headers: { 'x-api-key': 'k3y' } }));
    expect(line).toBe(
      `http: GET ${a.url}/posts/1 redirected to another origin (${b.url}); refused (point the source at the final URL, or set allowRedirects: 'any' (configured headers are never sent to another origin))`,
    );
    expect(b.seen).toEqual([]);
  });

  it("with allowRedirects: 'any', follows it without the configured headers", async () => {
    a.routes.set('/posts/1', redirectTo(`${b.url}/moved/1`, 301));
    b.routes.set('/moved/1', jsonReply({ id: 1, title: 'moved' }));
    const got = await getItem({ allowRedirects: 'any', headers: { 'x-api-key': 'k3y', authorization: 'Bearer t0k' } });
    expect(got).toEqual({ id: 1, title: 'moved' });
    expect(a.seen[0]!.headers['x-api-key']).toBe('k3y');
    expect(b.seen).toHaveLength(1);
    expect(b.seen[0]!.headers['x-api-key']).toBeUndefined();
    expect(b.seen[0]!.headers.authorization).toBeUndefined();
    expect(b.seen[0]!.headers.accept).toBe('application/json');
  });

  it('follows a same-origin redirect with the configured headers', async () => {
    a.routes.set('/posts/1', redirectTo('/v2/posts/1', 308));
    a.routes.set('/v2/posts/1', jsonReply({ id: 1, title: 'v2' }));
    expect(await getItem({ headers: { 'x-api-key': 'k3y' } })).toEqual({ id: 1, title: 'v2' });
    expect(a.seen.map((r) => [r.url, r.headers['x-api-key']])).toEqual([
      ['/posts/1', 'k3y'],
      ['/v2/posts/1', 'k3y'],
    ]);
  });

  it('gives up after 5 redirects', async () => {
    a.routes.set('/posts/1', redirectTo('/posts/1'));
    expect(await failure(getItem({}))).toBe(`http: GET ${a.url}/posts/1 redirected more than 5 times (check the URL (a redirect loop?))`);
    expect(a.seen).toHaveLength(6);
  });

  it("refuses every redirect with allowRedirects: 'none'", async () => {
    a.routes.set('/posts/1', redirectTo('/v2/posts/1'));
    expect(await failure(getItem({ allowRedirects: 'none' }))).toMatch(/answered a redirect to http:\/\/127\.0\.0\.1:\d+\/v2\/posts\/1 /);
  });
});

describe('body size', () => {
  it('stops reading a body past maxBytes while it streams in (no Content-Length)', async () => {
    let sent = 0;
    let closed = false;
    a.routes.set('/posts/1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      // Writes until the client goes away (or 64 MB, so a client that reads everything ends too).
      const pump = () => {
        while (!closed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (closed = true));
      pump();
    });
    const line = await failure(getItem({ maxBytes: 1024 * 1024 }));
    expect(line).toBe(
      `http: GET ${a.url}/posts/1: the response body is over maxBytes (1048576 bytes) (raise \`maxBytes\` in http({ … }) if the API really sends this much)`,
    );
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the default 20 MB without reading it', async () => {
    a.routes.set('/posts/1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(20 * 1024 * 1024 + 1) });
      res.write('[');
    });
    expect(await failure(getItem({}))).toContain('the response body is over maxBytes (20971520 bytes)');
  });

  it('reads a body up to maxBytes', async () => {
    const body = JSON.stringify({ id: 1, text: 'x'.repeat(1000) });
    a.routes.set('/posts/1', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    expect(await getItem({ maxBytes: Buffer.byteLength(body) })).toEqual(JSON.parse(body));
  });
});

describe('charset', () => {
  it('decodes a body by its declared charset', async () => {
    a.routes.set('/posts/1', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json; charset=ISO-8859-1' }).end(Buffer.from('{"title":"Café crème"}', 'latin1')),
    );
    a.routes.set('/posts/2', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json;charset="utf-16le"' }).end(Buffer.from('{"title":"日本"}', 'utf16le')),
    );
    expect(await getItem({})).toEqual({ title: 'Café crème' });
    expect(await getItem({}, '2')).toEqual({ title: '日本' });
  });

  it('refuses a charset it cannot decode, naming it', async () => {
    a.routes.set('/posts/1', jsonReply({ title: 'x' }, 'application/json; charset=klingon'));
    expect(await failure(getItem({}))).toBe(
      `http: GET ${a.url}/posts/1 declared charset "klingon", which isr cannot decode (have the API send UTF-8 (or a charset the WHATWG Encoding standard names))`,
    );
  });

  it('reads UTF-8 when no charset is declared', async () => {
    a.routes.set('/posts/1', jsonReply({ title: 'naïve' }));
    expect(await getItem({})).toEqual({ title: 'naïve' });
  });
});

describe('through the CLI', () => {
  let site: TempSite;
  afterAll(() => site?.cleanup());

  it('fails only the page whose API redirects to another origin, keeping its last good file', async () => {
    const T0 = Date.parse('2026-06-01T00:00:00Z');
    const ids = [1, 2];
    const healthy = () => {
      a.routes.set('/posts', jsonReply(ids.map((id) => ({ id, title: `Post ${id}` }))));
      for (const id of ids) a.routes.set(`/posts/${id}`, jsonReply({ id, title: `Post ${id}`, body: `Body ${id}` }));
    };
    healthy();
    site = await tempSite('http-site');
    const env = { API_URL: a.url, API_RETRIES: '0' };
    expect((await site.run(['build', '--quiet'], { now: T0, env })).code).toBe(0);
    const good = await site.read('dist/posts/1/index.html');
    a.routes.set('/posts/1', redirectTo(`${b.url}/posts/1`));
    b.routes.set('/posts/1', jsonReply({ id: 1, title: 'Hijacked', body: 'x' }));
    const r = await site.run(['regen', '--json', '--all'], { now: T0 + 1000, env });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      {
        path: '/posts/1/',
        error: expect.stringContaining(`/posts/1/: http: GET ${a.url}/posts/1 redirected to another origin (${b.url}); refused`),
      },
    ]);
    expect(json(r).rendered).toContain('/posts/2/');
    expect(await site.read('dist/posts/1/index.html')).toBe(good);
    expect(b.seen).toEqual([]);
  });
});
