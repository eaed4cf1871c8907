import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ContractServer, contractServer, urlPathsOf, withPurge } from './contract-server.js';

// Contract test (issue 20 item 4): Cloudflare's purge_cache API as its documentation gives it,
// served by a local server. The real API is not reachable from here.
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const TOKEN = 'cf-token-Y2xvdWRmbGFyZQ';
const OK = { status: 200, body: JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'x' } }) };

let site: TempSite;
let api: ContractServer;
afterEach(async () => {
  await site?.cleanup();
  await api?.close();
});

async function siteWith(call: (origin: string) => string): Promise<void> {
  api = await contractServer(() => OK);
  site = await tempSite('blog');
  await site.write('isr.config.mjs', withPurge(await site.read('isr.config.mjs'), 'cloudflare', call(api.origin)));
}

const env = { CLOUDFLARE_API_TOKEN: TOKEN };
const files = (body: string) => JSON.parse(body).files as string[];

describe('the Cloudflare purge (contract test)', () => {
  it('posts exactly the changed URLs to purge_cache, in batches of the configured size, with the bearer token', async () => {
    await siteWith((o) => `cloudflare({ zone: '${ZONE}', batchSize: 4, endpoint: '${o}' })`);
    const built = await site.run(['build', '--json'], { now: '2026-01-01T00:00:00Z', env });
    expect(built.code, built.stderr).toBe(0);
    const expected = urlPathsOf(JSON.parse(built.stdout).written).map((p) => `https://blog.example.com${p}`);
    expect(expected.length).toBeGreaterThan(4);
    for (const r of api.received) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe(`/client/v4/zones/${ZONE}/purge_cache`);
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers['content-type']).toBe('application/json');
      expect(Object.keys(JSON.parse(r.body))).toEqual(['files']);
      expect(files(r.body).length).toBeLessThanOrEqual(4);
    }
    expect(api.received.flatMap((r) => files(r.body))).toEqual(expected);
    expect(api.received).toHaveLength(Math.ceil(expected.length / 4));
    expect(built.stderr + built.stdout).not.toContain(TOKEN);

    // One edited post: its page and what lists it, nothing else.
    api.received.length = 0;
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
    const regen = await site.run(['regen', '--path', '/blog/hello-world/', '--json'], { now: '2026-01-01T00:01:00Z', env });
    expect(regen.code, regen.stderr).toBe(0);
    const changed = JSON.parse(regen.stdout);
    expect(api.received.flatMap((r) => files(r.body))).toEqual(
      urlPathsOf([...changed.written, ...changed.removed]).map((p) => `https://blog.example.com${p}`),
    );
    expect(files(api.received[0]!.body)).toContain('https://blog.example.com/blog/hello-world/');
  });

  it('keeps a purge Cloudflare refuses and sends it with the next run, then forgets it', async () => {
    await siteWith((o) => `cloudflare({ zone: '${ZONE}', endpoint: '${o}' })`);
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
    // Cloudflare answers a refused purge with success: false, at times in a 200.
    api.answer(() => ({ status: 200, body: JSON.stringify({ success: false, errors: [{ code: 1134, message: 'Rate limited' }] }) }));
    const failed = await site.run(['regen', '--path', '/blog/hello-world/'], { now: '2026-01-01T00:01:00Z', env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Cloudflare purge of \d+ URLs? failed: HTTP 200 from 127\.0\.0\.1:\d+: .*Rate limited/);
    expect(failed.stderr).not.toContain(TOKEN);
    expect(readdirSync(path.join(site.root, '.isr/pending-changes')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    api.received.length = 0;
    api.answer(() => OK);
    const next = await site.run(['regen'], { now: '2026-01-01T00:02:00Z', env });
    expect(next.code, next.stderr).toBe(0);
    expect(api.received.flatMap((r) => files(r.body))).toContain('https://blog.example.com/blog/hello-world/');
    expect(readdirSync(path.join(site.root, '.isr/pending-changes'))).toEqual([]);
  });

  it('purges by Cache-Tag when asked, and the whole host beyond maxItems', async () => {
    await siteWith((o) => `cloudflare({ zone: '${ZONE}', by: 'tag', maxItems: 3, endpoint: '${o}' })`);
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
    expect(api.received.map((r) => JSON.parse(r.body))).toEqual([{ hosts: ['blog.example.com'] }]);
    api.received.length = 0;
    const file = 'content/posts/hello-world.md';
    await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
    const regen = await site.run(['regen', '--path', '/blog/hello-world/', '--json'], { now: '2026-01-01T00:01:00Z', env });
    const changed = JSON.parse(regen.stdout);
    const paths = urlPathsOf([...changed.written, ...changed.removed]);
    expect(paths.length).toBeLessThanOrEqual(3);
    expect(api.received.map((r) => JSON.parse(r.body))).toEqual([{ tags: paths }]);
  });

  it('refuses a site without site.url (exit 3, nothing written): the URLs and the host come from it', async () => {
    await siteWith((o) => `cloudflare({ zone: '${ZONE}', by: 'tag', endpoint: '${o}' })`);
    await site.write('isr.config.mjs', (await site.read('isr.config.mjs')).replace("url: 'https://blog.example.com',", ''));
    const refused = await site.run(['build'], { now: '2026-01-01T00:00:00Z', env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('purge: Cloudflare: it needs site.url');
    expect(readdirSync(site.root)).not.toContain('dist');
  });

  it('refuses to run without the token (exit 3, nothing written), and --dry-run prints the requests without it', async () => {
    await siteWith((o) => `cloudflare({ zone: '${ZONE}', endpoint: '${o}' })`);
    const refused = await site.run(['build'], { now: '2026-01-01T00:00:00Z', env: { CLOUDFLARE_API_TOKEN: '' } });
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('purge: Cloudflare needs CLOUDFLARE_API_TOKEN in the environment');
    expect(readdirSync(site.root)).not.toContain('dist');

    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
    api.received.length = 0;
    const dry = await site.run(['regen', '--dry-run', '--path', '/blog/hello-world/'], { now: '2026-01-01T00:01:00Z', env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      `purge POST ${api.origin}/client/v4/zones/${ZONE}/purge_cache  1 URL: {"files":["https://blog.example.com/blog/hello-world/"]}`,
    );
    expect(dry.stdout).not.toContain(TOKEN);
    expect(api.received).toEqual([]);
  });
});
