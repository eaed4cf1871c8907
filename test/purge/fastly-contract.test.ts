import { afterEach, describe, expect, it } from 'vitest';
import { surrogateKeys } from '../../src/purge/fastly.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ContractServer, contractServer, urlPathsOf, withPurge } from './contract-server.js';

// Contract test (issue 20 item 4): Fastly's batch surrogate-key purge as Fastly documents it,
// served by a local server. The real API is not reachable from here.
const SERVICE = 'SU1Z0isxPaozGVKXdv0eY';
const TOKEN = 'fastly-token-ZmFzdGx5';
const env = { FASTLY_API_TOKEN: TOKEN };

let site: TempSite;
let api: ContractServer;
afterEach(async () => {
  await site?.cleanup();
  await api?.close();
});

async function siteWith(options: string): Promise<void> {
  api = await contractServer((r) => ({
    status: 200,
    body: JSON.stringify(Object.fromEntries((JSON.parse(r.body || '{}').surrogate_keys ?? []).map((k: string) => [k, 'id']))),
  }));
  site = await tempSite('blog');
  await site.write(
    'isr.config.mjs',
    withPurge(await site.read('isr.config.mjs'), 'fastly', `fastly({ service: '${SERVICE}', endpoint: '${api.origin}'${options} })`),
  );
}

describe('the Fastly purge (contract test)', () => {
  it('purges the changed pages by their surrogate keys in one batch, with Fastly-Key', async () => {
    await siteWith(', soft: true');
    const built = await site.run(['build', '--json'], { now: '2026-01-01T00:00:00Z', env });
    expect(built.code, built.stderr).toBe(0);
    expect(api.received).toHaveLength(1);
    const r = api.received[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/service/${SERVICE}/purge`);
    expect(r.headers['fastly-key']).toBe(TOKEN);
    expect(r.headers['fastly-soft-purge']).toBe('1');
    expect(r.headers.accept).toBe('application/json');
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ surrogate_keys: urlPathsOf(JSON.parse(built.stdout).written) });
    expect(built.stderr).not.toContain(TOKEN);
  });

  it('sends one purge_all, never soft, beyond maxKeys', async () => {
    await siteWith(', soft: true, maxKeys: 2');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
    expect(api.received.map((r) => [r.path, r.body, r.headers['fastly-soft-purge']])).toEqual([
      [`/service/${SERVICE}/purge_all`, '', undefined],
    ]);
  });
});

describe('surrogate keys', () => {
  it('are the URL path then the tags, space-separated, none with a space or over 1,024 bytes', () => {
    expect(surrogateKeys('/blog/x/', ['tag:a b', 'files:content/posts'])).toBe('/blog/x/ tag:a%20b files:content/posts');
    const long = `/${'a'.repeat(1100)}/`;
    expect(surrogateKeys(long)).toMatch(/^isr-[0-9a-f]{64}$/);
  });
});
