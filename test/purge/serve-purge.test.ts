import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, type TempSite, tempSite } from '../helpers/site.js';
import { request, until } from '../serve/helpers.js';
import { type ContractServer, contractServer, withPurge } from './contract-server.js';

// The purge after each regeneration of `isr serve` (contract test: a local stand-in for
// Cloudflare's purge_cache), and none from watch mode, whose renders are edits in progress.
const ZONE = '023e105f4ecef8ad9ca31a8372d0c353';
const TOKEN = 'cf-token-c2VydmU';
const OK = { status: 200, body: JSON.stringify({ success: true }) };

let site: TempSite | undefined;
let api: ContractServer | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  await site?.cleanup();
  await api?.close();
});

function serve(args: string[], env: Record<string, string>): Promise<{ url: string; err: () => string; exited: Promise<number | null> }> {
  const c = spawn(process.execPath, [BIN, 'serve', site!.root, '--port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', ISR_NOW: '', ISR_REVALIDATE_SECRET: 's3cret', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = c;
  let out = '';
  let err = '';
  c.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d) => {
      out += d;
      const m = /isr serve: .* at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, err: () => err, exited });
    });
    exited.then((code) => reject(Object.assign(new Error(`exited ${code}`), { code, err })));
  });
}

async function setup(): Promise<void> {
  api = await contractServer(() => OK);
  site = await tempSite('blog');
  await site.write(
    'isr.config.mjs',
    withPurge(await site.read('isr.config.mjs'), 'cloudflare', `cloudflare({ zone: '${ZONE}', endpoint: '${api.origin}' })`),
  );
  expect((await site.run(['build'], { env: { CLOUDFLARE_API_TOKEN: TOKEN } })).code).toBe(0);
  api.received.length = 0;
  const file = 'content/posts/hello-world.md';
  await site.write(file, (await site.read(file)).replace(/\n---\n/, '\n---\nAn edit.\n\n'));
}

const revalidate = (url: string) =>
  request(url, '/__isr/revalidate', {
    method: 'POST',
    headers: { authorization: 'Bearer s3cret' },
    body: JSON.stringify({ path: '/blog/hello-world/' }),
  });

describe('isr serve and the CDN purge', () => {
  it('purges the URLs a webhook regeneration changed', { timeout: 60_000 }, async () => {
    await setup();
    const s = await serve([], { CLOUDFLARE_API_TOKEN: TOKEN });
    expect((await revalidate(s.url)).status).toBe(200);
    const files = await until(
      async () => api!.received.flatMap((r) => JSON.parse(r.body).files as string[]).length > 0 && api!.received,
      'the purge',
    );
    expect(files.flatMap((r) => JSON.parse(r.body).files)).toContain('https://blog.example.com/blog/hello-world/');
    expect(s.err()).not.toContain(TOKEN);
  });

  it('refuses to start without the token, and watch mode neither needs it nor purges', { timeout: 60_000 }, async () => {
    await setup();
    await expect(serve([], { CLOUDFLARE_API_TOKEN: '' })).rejects.toMatchObject({ code: 3 });
    const bare = await serve(['--watch'], { CLOUDFLARE_API_TOKEN: '' });
    child!.kill('SIGKILL');
    await bare.exited;
    // With the token there, a purge would go out: watch mode must not send it. The webhook
    // answers once its run, hooks and purge included, is done.
    const s = await serve(['--watch'], { CLOUDFLARE_API_TOKEN: TOKEN });
    expect((await revalidate(s.url)).status).toBe(200);
    expect((await request(s.url, '/blog/hello-world/')).text).toContain('An edit.');
    expect(api!.received).toEqual([]);
  });
});
