import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { json } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

/**
 * The built-in `http` source against a real server on an ephemeral loopback port, driven through
 * fixtures/http-site and the real CLI. Each test gives one post URL a behaviour, then regenerates
 * that post's page on a copy of a site built while the API was healthy.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const LAST_MODIFIED = 'Mon, 01 Jun 2026 00:00:00 GMT';
const IDS = [1, 2, 3, 4, 5, 6, 7, 8];

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let api: string;
let site: TempSite;
/** Every request the server saw: path and headers. */
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];
/** Per-URL behaviour overriding the healthy API. */
const overrides = new Map<string, Handler>();
/** Current version of each post (a new version changes its body and ETag). */
const version = new Map<number, number>();

function post(id: number) {
  const v = version.get(id) ?? 1;
  return { id, title: `Post ${id}`, body: `Body of post ${id}, version ${v}` };
}

/** A well-behaved JSON API: ETag + Last-Modified, 304 for a matching If-None-Match. */
function healthy(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  let body: unknown;
  let etag: string;
  const m = /^\/posts\/(\d+)$/.exec(url);
  if (url === '/posts') {
    body = IDS.map((id) => ({ id, title: post(id).title }));
    etag = '"list-1"';
  } else if (m && IDS.includes(Number(m[1]))) {
    const id = Number(m[1]);
    body = post(id);
    etag = `"post-${id}-v${version.get(id) ?? 1}"`;
  } else {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', etag, 'last-modified': LAST_MODIFIED }).end(JSON.stringify(body));
}

const requestsTo = (url: string) => seen.filter((r) => r.url === url);
const regen = (id: number, env: Record<string, string> = {}) =>
  site.run(['regen', '--json', '--path', `/posts/${id}/`], { now: T0 + 1000, env: { API_URL: api, ...env } });

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    (overrides.get(req.url ?? '') ?? healthy)(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
// Built while the API is healthy (after the server's beforeAll above, so its URL is known).
const built = builtOnce('http-site', { now: T0, env: () => ({ API_URL: api }) });

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(async () => {
  overrides.clear();
  version.clear();
  seen = [];
  server.closeAllConnections();
});

async function fresh(): Promise<void> {
  site = await built.copy();
  seen = [];
}

describe('the http source', () => {
  it('built every page from the API', async () => {
    expect(Object.keys((await built.site.manifest()).pages)).toEqual(['/', ...IDS.map((id) => `/posts/${id}/`)]);
    expect(await built.site.read('dist/posts/1/index.html')).toBe('<h1>Post 1</h1>\n<p>Body of post 1, version 1</p>\n');
    expect((await built.site.manifest()).pages['/posts/1/'].tags).toEqual([`url:${api}/posts/1`]);
  });

  it('revalidates with If-None-Match / If-Modified-Since and renders a 304 from the cached body', async () => {
    await fresh();
    const r = await regen(1);
    expect(r.code).toBe(0);
    expect(json(r).rendered).toEqual(['/posts/1/']);
    expect(json(r).unchanged).toEqual(['posts/1/index.html']);
    const reqs = requestsTo('/posts/1');
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.headers['if-none-match']).toBe('"post-1-v1"');
    expect(reqs[0]!.headers['if-modified-since']).toBe(LAST_MODIFIED);
    expect(reqs[0]!.headers.accept).toBe('application/json');
    expect(await site.read('dist/posts/1/index.html')).toBe('<h1>Post 1</h1>\n<p>Body of post 1, version 1</p>\n');
  });

  it('renders the new body when the API answers 200 with a new ETag', async () => {
    await fresh();
    version.set(1, 2);
    const r = await regen(1);
    expect(r.code).toBe(0);
    expect(json(r).written).toEqual(['posts/1/index.html']);
    expect(await site.read('dist/posts/1/index.html')).toBe('<h1>Post 1</h1>\n<p>Body of post 1, version 2</p>\n');
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    await fresh();
    version.set(2, 2);
    let calls = 0;
    overrides.set('/posts/2', (req, res) => (++calls === 1 ? res.writeHead(500).end('oops') : healthy(req, res)));
    const r = await regen(2);
    expect(r.code).toBe(0);
    expect(json(r).failed).toEqual([]);
    expect(requestsTo('/posts/2')).toHaveLength(2);
    expect(await site.read('dist/posts/2/index.html')).toContain('version 2');
  });

  it('fails the page after a persistent 500, keeping the last good file', async () => {
    await fresh();
    const good = await site.read('dist/posts/3/index.html');
    overrides.set('/posts/3', (_req, res) => res.writeHead(500).end());
    const r = await regen(3);
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      {
        path: '/posts/3/',
        error: `/posts/3/: http: GET ${api}/posts/3 failed after 3 attempts: HTTP 500 (the upstream API is failing; the last good pages are kept)`,
      },
    ]);
    expect(requestsTo('/posts/3')).toHaveLength(3);
    expect(await site.read('dist/posts/3/index.html')).toBe(good);
    expect((await site.manifest()).pages['/posts/3/']).toMatchObject({ status: 'error', attempts: 1, retryAt: T0 + 1000 + 60_000 });
  });

  it('gives up on a request that takes longer than `timeout`', async () => {
    await fresh();
    overrides.set('/posts/4', () => {}); // never answers
    const r = await regen(4, { API_TIMEOUT_MS: '200', API_RETRIES: '0' });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      {
        path: '/posts/4/',
        error: `/posts/4/: http: GET ${api}/posts/4 failed after 1 attempt: timed out after 200 ms (the upstream API is failing; the last good pages are kept)`,
      },
    ]);
    expect(await site.read('dist/posts/4/index.html')).toContain('Post 4');
  });

  it('retries a connection reset, then fails the page', async () => {
    await fresh();
    overrides.set('/posts/5', (req) => req.socket.destroy());
    const r = await regen(5);
    expect(r.code).toBe(1);
    expect(requestsTo('/posts/5')).toHaveLength(3);
    expect(json(r).failed[0].error).toMatch(
      new RegExp(
        `^/posts/5/: http: GET ${api}/posts/5 failed after 3 attempts: (other side closed|socket hang up|read ECONNRESET|fetch failed) \\(the upstream`,
      ),
    );
  });

  it('treats a body cut short as a failed attempt, not as data', async () => {
    await fresh();
    overrides.set('/posts/6', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500', etag: '"x"' });
      res.write('{"id":6,"title":"Trunc');
      setImmediate(() => res.socket?.destroy());
    });
    const r = await regen(6);
    expect(r.code).toBe(1);
    expect(requestsTo('/posts/6')).toHaveLength(3);
    expect(json(r).failed[0].error).toMatch(new RegExp(`^/posts/6/: http: GET ${api}/posts/6 failed after 3 attempts: `));
    expect(await site.read('dist/posts/6/index.html')).toContain('Body of post 6');
  });

  it('refuses a response that is not JSON, naming its content type, without retrying', async () => {
    await fresh();
    overrides.set('/posts/7', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'));
    const r = await regen(7);
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      {
        path: '/posts/7/',
        error: `/posts/7/: http: GET ${api}/posts/7 did not return JSON (content-type text/html) (check the URL points at a JSON API)`,
      },
    ]);
    expect(requestsTo('/posts/7')).toHaveLength(1);
  });

  it('turns a 404 into get() === undefined, so the page is notFound and removed', async () => {
    await fresh();
    overrides.set('/posts/8', (_req, res) => res.writeHead(404).end());
    const r = await regen(8);
    expect(r.code).toBe(0);
    expect(json(r).removed).toEqual(['posts/8/index.html']);
    expect(existsSync(path.join(site.root, 'dist/posts/8'))).toBe(false);
    expect((await site.manifest()).pages['/posts/8/']).toMatchObject({ status: 'notFound' });
    expect(requestsTo('/posts/8')).toHaveLength(1);
  });

  it('keeps the pages when the list endpoint fails (the listing fails, not the site)', async () => {
    await fresh();
    overrides.set('/posts', (_req, res) => res.writeHead(503).end());
    const r = await site.run(['regen', '--json', '--route', 'post'], { now: T0 + 1000, env: { API_URL: api } });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([]);
    expect(json(r).listingFailed).toEqual([
      {
        route: 'post',
        error: `paths() of post failed: http: GET ${api}/posts failed after 3 attempts: HTTP 503 (the upstream API is failing; the last good pages are kept)`,
      },
    ]);
    expect(json(r).plan.remove).toEqual([]);
    expect(Object.keys((await site.manifest()).pages)).toHaveLength(9);
  });

  it('reports a 404 on the list URL as an HTTP error naming the URL', async () => {
    await fresh();
    overrides.set('/posts', (_req, res) => res.writeHead(404).end());
    const r = await site.run(['regen', '--json', '--path', '/'], { now: T0 + 1000, env: { API_URL: api } });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([{ path: '/', error: `/: http: GET ${api}/posts answered HTTP 404 (check the \`list\` URL)` }]);
    expect(requestsTo('/posts')).toHaveLength(1);
  });
});
