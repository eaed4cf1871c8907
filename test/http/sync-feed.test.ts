import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sorted } from '../helpers/files.js';
import { REPO, type TempSite, tempSite } from '../helpers/site.js';

/**
 * A delta feed through the `changes` hook: the user plugin of the README (fixtures/sync-feed/
 * contentful-sync.mjs) against a real loopback server that implements Contentful's Sync API as
 * documented: `GET /spaces/{space}/environments/{env}/sync?initial=true`, then `?sync_token=`,
 * each answer `{ sys: { type: 'Array' }, items, nextPageUrl | nextSyncUrl }`, items being
 * `Entry` (fields per locale), `DeletedEntry` (sys only), `Asset`…, paged (here 2 items a page).
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const TOKEN = 'cda-token';
const PAGE = 2;

let server: Server;
let host: string;
let site: TempSite;
let seen: { url: string; headers: IncomingHttpHeaders }[] = [];
/** The space's history: each change, in order (a null item: the entry was deleted). */
let log: { id: string; item: any }[] = [];

const entry = (id: string, title: string, slug = id, revision = 1) => ({
  sys: {
    space: { sys: { type: 'Link', linkType: 'Space', id: 'blog' } },
    environment: { sys: { type: 'Link', linkType: 'Environment', id: 'master' } },
    id,
    type: 'Entry',
    createdAt: '2026-05-01T00:00:00.000Z',
    updatedAt: `2026-05-${String(revision).padStart(2, '0')}T00:00:00.000Z`,
    revision,
    contentType: { sys: { type: 'Link', linkType: 'ContentType', id: 'post' } },
  },
  fields: { title: { 'en-US': title }, slug: { 'en-US': slug }, body: { 'en-US': `Body of ${title}` } },
});
const put = (item: any) => log.push({ id: item.sys.id, item });
const del = (id: string) => log.push({ id, item: null });

/** The space at a point of its history: id → item (deleted ids → null). */
function stateAt(seq: number): Map<string, any> {
  const m = new Map<string, any>();
  for (const e of log.slice(0, seq)) m.set(e.id, e.item);
  return m;
}

/** The items of a sync from `from` (undefined: initial) to `to`, as Contentful sends them. */
function itemsOf(from: number | undefined, to: number): any[] {
  const now = stateAt(to);
  if (from === undefined) return [...now.values()].filter(Boolean);
  const changed = new Set(log.slice(from, to).map((e) => e.id));
  return [...changed].map(
    (id) =>
      now.get(id) ?? {
        sys: { type: 'DeletedEntry', id, revision: 1, deletedAt: '2026-06-01T00:00:00.000Z', space: { sys: { id: 'blog' } } },
      },
  );
}

function api(url: URL): { status: number; body: unknown } {
  if (url.pathname !== '/spaces/blog/environments/master/sync') return { status: 404, body: { sys: { type: 'Error', id: 'NotFound' } } };
  const base = `${host}${url.pathname}`;
  // Tokens are opaque to the client: `s.<seq>` to sync from, `p.<from|i>.<to>.<offset>` for a page.
  const token = url.searchParams.get('sync_token');
  let from: number | undefined;
  let to = log.length;
  let offset = 0;
  if (url.searchParams.get('initial') === 'true') from = undefined;
  else if (token && /^s\.\d+$/.test(token)) from = Number(token.slice(2));
  else if (token && /^p\.(i|\d+)\.\d+\.\d+$/.test(token)) {
    const [, f, t, o] = token.split('.');
    from = f === 'i' ? undefined : Number(f);
    to = Number(t);
    offset = Number(o);
  } else return { status: 400, body: { sys: { type: 'Error', id: 'BadRequest' }, message: 'The sync token is invalid' } };
  const all = itemsOf(from, to);
  const items = all.slice(offset, offset + PAGE);
  const more = offset + PAGE < all.length;
  const link = more
    ? { nextPageUrl: `${base}?sync_token=p.${from ?? 'i'}.${to}.${offset + PAGE}` }
    : { nextSyncUrl: `${base}?sync_token=s.${to}` };
  return { status: 200, body: { sys: { type: 'Array' }, items, ...link } };
}

const syncRequests = () => seen.filter((r) => r.url.includes('/sync'));
const tokenOf = (r: { url: string }) => new URL(r.url, host).searchParams.get('sync_token') ?? 'initial';
const state = async () => JSON.parse(await site.read('.isr/cache/cms.changes.json'));
const run = (args: string[]) => site.run(args, { now: T0, env: { SYNC_HOST: host, CONTENTFUL_TOKEN: TOKEN } });
async function regen() {
  seen = [];
  const r = await run(['regen', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const { status, body } = api(new URL(req.url ?? '/', host));
    res.writeHead(status, { 'content-type': 'application/vnd.contentful.delivery.v1+json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  log = [];
  for (const [id, title] of [
    ['e1', 'Alpha'],
    ['e2', 'Beta'],
    ['e3', 'Gamma'],
  ] as const)
    put(entry(id, title, title.toLowerCase()));
  log.push({ id: 'a1', item: { sys: { id: 'a1', type: 'Asset' }, fields: { title: { 'en-US': 'A picture' } } } });
  seen = [];
  site = await tempSite('sync-feed');
  const r = await run(['build', '--json']);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => site.cleanup());

describe('a sync-token feed (Contentful Sync API shape) as a user plugin', () => {
  it('builds from an initial sync paged through nextPageUrl, keeping the token in the cache folder', async () => {
    expect(syncRequests().map(tokenOf)).toEqual(['initial', 'p.i.4.2']); // 4 items (one an asset), 2 a page
    expect(syncRequests().every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(sorted(Object.keys((await site.manifest()).pages))).toEqual(['/', '/posts/alpha/', '/posts/beta/', '/posts/gamma/']);
    expect(await site.read('dist/posts/beta/index.html')).toBe('<h1>Beta</h1>\n<p>Body of Beta</p>\n');
    expect(await state()).toEqual({ token: 's.4' });
    expect(existsSync(path.join(site.root, '.isr/cache/contentful-sync/blog-master.json'))).toBe(true);
  });

  it('asks once with the token when nothing changed, and renders nothing', async () => {
    const out = await regen();
    expect(out.rendered).toEqual([]);
    expect(syncRequests().map(tokenOf)).toEqual(['s.4']);
  });

  it('publishes edits, adds and deletions from a delta paged through nextPageUrl, then advances the token', async () => {
    put(entry('e2', 'Beta, edited', 'beta', 2));
    put(entry('e4', 'Delta', 'delta'));
    del('e3');
    const out = await regen();
    expect(syncRequests().map(tokenOf)).toEqual(['s.4', 'p.4.7.2']); // 3 changes, 2 a page
    expect(sorted(out.rendered)).toEqual(['/', '/posts/beta/', '/posts/delta/']);
    expect(out.removed).toEqual(['posts/gamma/index.html']);
    expect(await site.read('dist/posts/beta/index.html')).toContain('Beta, edited');
    expect(await site.read('dist/index.html')).toContain('Delta');
    expect(await site.read('dist/index.html')).not.toContain('Gamma');
    expect(await state()).toEqual({ token: 's.7' });
    expect((await regen()).rendered).toEqual([]); // from the new token: nothing left
    expect(syncRequests().map(tokenOf)).toEqual(['s.7']);
  });

  it('a run that fails leaves the token: the next run syncs from it again and publishes the change', async () => {
    put(entry('e1', 'Alpha, edited', 'alpha', 2));
    seen = [];
    // The page's load() gives a result isr refuses: bad input, the run stops and publishes nothing.
    const failed = await site.run(['regen'], { now: T0, env: { SYNC_HOST: host, CONTENTFUL_TOKEN: TOKEN, BREAK_LOAD: '1' } });
    expect(failed.code, failed.stderr).toBe(5);
    expect(syncRequests().map(tokenOf)).toEqual(['s.4']); // it did sync
    expect(await state()).toEqual({ token: 's.4' }); // but did not advance the token
    expect(await site.read('dist/posts/alpha/index.html')).not.toContain('edited');
    const out = await regen();
    expect(syncRequests().map(tokenOf)).toEqual(['s.4']);
    expect(out.rendered).toContain('/posts/alpha/');
    expect(await site.read('dist/posts/alpha/index.html')).toContain('Alpha, edited');
    expect(await state()).toEqual({ token: 's.5' });
  });

  it('is the plugin the README shows, to the character', () => {
    const plugin = readFileSync(path.join(REPO, 'fixtures/sync-feed/contentful-sync.mjs'), 'utf8');
    expect(readFileSync(path.join(REPO, 'README.md'), 'utf8')).toContain(`\`\`\`js\n${plugin}\`\`\``);
  });
});
