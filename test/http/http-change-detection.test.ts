import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sorted } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

/**
 * The `http` source's `changes` hook: a plain `isr regen` asks the list URL conditionally with the
 * validators of the last published run, against a real API on a loopback port (fixtures/http-site:
 * `/` lists the posts, `/posts/:id/` reads one). Nothing expires at T0 (revalidate 60 s).
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const LAST_MODIFIED = 'Mon, 01 Jun 2026 00:00:00 GMT';

let server: Server;
let api: string;
let site: TempSite;
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];
/** The API's data: id → version (a new version changes the title in the list and the item). */
let posts: Map<number, number>;
/** Which validators the API sends: both, one, or none (then it always answers 200). */
let validators: 'both' | 'etag' | 'last-modified' | 'none';

const title = (id: number) => `Post ${id}${posts.get(id)! > 1 ? ` v${posts.get(id)}` : ''}`;
const listEtag = () => `"list-${[...posts].map(([id, v]) => `${id}.${v}`).join('-')}"`;

function api_(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const m = /^\/posts\/(\d+)$/.exec(url);
  let body: unknown;
  let etag: string;
  let modified = LAST_MODIFIED;
  if (url === '/posts') {
    body = [...posts.keys()].map((id) => ({ id, title: title(id) }));
    etag = listEtag();
    // Last-Modified moves with the list (a second per change is enough for the test).
    modified = new Date(Date.parse(LAST_MODIFIED) + [...posts.values()].reduce((a, b) => a + b, posts.size) * 1000).toUTCString();
  } else if (m && posts.has(Number(m[1]))) {
    const id = Number(m[1]);
    body = { id, title: title(id), body: `Body of post ${id}, version ${posts.get(id)}` };
    etag = `"post-${id}-v${posts.get(id)}"`;
  } else {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const v: Record<string, string> = {};
  if (validators === 'both' || validators === 'etag') v.etag = etag;
  if (validators === 'both' || validators === 'last-modified') v['last-modified'] = modified;
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  // RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it.
  const notModified = v.etag && inm !== undefined ? inm === v.etag : v['last-modified'] && ims !== undefined && ims === v['last-modified'];
  if (notModified) {
    res.writeHead(304, v).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', ...v }).end(JSON.stringify(body));
}

const listRequests = () => seen.filter((r) => r.url === '/posts');
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const run = (args: string[]) => site.run(args, { now: T0, env: { API_URL: api } });
async function regen(...args: string[]) {
  seen = [];
  const r = await run(['regen', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return { ...json(r), stderr: r.stderr };
}
const reasons = (out: any) => Object.fromEntries(out.plan.render.map((p: { path: string; reasons: string[] }) => [p.path, p.reasons]));

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    api_(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  posts = new Map([1, 2, 3, 4].map((id) => [id, 1]));
  validators = 'both';
  seen = [];
  site = await tempSite('http-site');
});
afterEach(async () => site.cleanup());

async function build() {
  const r = await run(['build', '--json']);
  expect(r.code, r.stderr).toBe(0);
  // The build asks the list once: its changes() answer is the one its listings use.
  expect(listRequests()).toHaveLength(1);
}

describe('isr regen asks the http source what changed', () => {
  it('asks the list URL with the last run’s validators, and renders nothing on a 304', async () => {
    await build();
    const out = await regen();
    expect(out.rendered).toEqual([]);
    expect(listRequests()).toHaveLength(1);
    expect(listRequests()[0]!.headers['if-none-match']).toBe(listEtag());
    expect(listRequests()[0]!.headers['if-modified-since']).toBeDefined();
    expect(seen.map((r) => r.url)).toEqual(['/posts']); // no item was asked for
  });

  it('re-renders the changed entry’s page and the listing, with reason "changed", once', async () => {
    await build();
    posts.set(2, 2);
    const out = await regen();
    expect(sorted(out.rendered)).toEqual(['/', '/posts/2/']);
    expect(reasons(out)['/posts/2/']).toContain('changed');
    expect(reasons(out)['/']).toContain('changed');
    expect(await site.read('dist/posts/2/index.html')).toContain('version 2');
    expect(await site.read('dist/index.html')).toContain('Post 2 v2');
    expect(listRequests()).toHaveLength(1); // the listing took the answer changes() got
    // Published: the next run asks with the new validators and is told nothing changed.
    const again = await regen();
    expect(again.rendered).toEqual([]);
    expect(listRequests()[0]!.headers['if-none-match']).toBe(listEtag());
  });

  it('renders an added entry as new and removes a deleted one', async () => {
    await build();
    posts.set(9, 1);
    const added = await regen();
    expect(reasons(added)['/posts/9/']).toContain('new');
    expect(await site.read('dist/index.html')).toContain('Post 9');
    posts.delete(3);
    const removed = await regen();
    expect(removed.removed).toContain('posts/3/index.html');
    expect(await site.read('dist/index.html')).not.toContain('Post 3');
  });

  it('works with Last-Modified alone (If-Modified-Since)', async () => {
    validators = 'last-modified';
    await build();
    expect((await regen()).rendered).toEqual([]);
    expect(listRequests()[0]!.headers['if-none-match']).toBeUndefined();
    expect(listRequests()[0]!.headers['if-modified-since']).toBeDefined();
    posts.set(1, 2);
    expect(sorted((await regen()).rendered)).toEqual(['/', '/posts/1/']);
  });

  it('without validators, compares the body: the same list renders nothing, a changed one its entries', async () => {
    validators = 'none';
    await build();
    expect((await regen()).rendered).toEqual([]);
    posts.set(4, 2);
    expect(sorted((await regen()).rendered)).toEqual(['/', '/posts/4/']);
  });

  it('a run that publishes nothing does not move the validators on: the next run still sees the change', async () => {
    await build();
    posts.set(2, 2);
    seen = [];
    // A page's load() gives a result isr refuses: bad input found after the sources were asked,
    // so the run stops and publishes nothing.
    const failed = await site.run(['regen'], { now: T0, env: { API_URL: api, BREAK_LOAD: '1' } });
    expect(failed.code, failed.stderr).toBe(5);
    expect(listRequests()).toHaveLength(1); // it did ask (and got the new list, now in the response cache)
    const out = await regen();
    expect(out.rendered).toContain('/posts/2/');
    expect(await site.read('dist/posts/2/index.html')).toContain('version 2');
  });

  it('--no-detect does not ask the list', async () => {
    await build();
    posts.set(2, 2);
    expect((await regen('--no-detect')).rendered).toEqual([]);
    expect(listRequests()).toHaveLength(0);
  });

  it('a change state it did not write costs a warning and a full comparison, never a missed change', async () => {
    await build();
    const file = path.join('.isr/cache/api.changes.json');
    const state = JSON.parse(await site.read(file));
    await site.write(file, JSON.stringify({ ...state, entries: [1, 2, 3] })); // valid JSON, wrong shape
    posts.set(3, 2);
    const out = await regen();
    expect(out.stderr).toMatch(/api: its change state is not one isr wrote .*comparing the whole list/);
    expect(listRequests()[0]!.headers['if-none-match']).toBeUndefined(); // not trusted: asked afresh
    expect(sorted(out.rendered)).toEqual(['/', '/posts/1/', '/posts/2/', '/posts/3/', '/posts/4/']);
    expect((await regen()).rendered).toEqual([]);
  });
});
