import fs, { writeFileSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type ServedSite, serveFixture } from './helpers.js';

describe('isr serve: static files', () => {
  let s: ServedSite;
  let outside: string;
  beforeAll(async () => {
    s = await serveFixture('serve-site', { maxFileBytes: 64 * 1024 });
    const out = s.config.outDir;
    await mkdir(path.join(out, 'assets'), { recursive: true });
    await writeFile(path.join(out, 'assets', 'app.css'), 'body { color: red; }\n'.repeat(40));
    await writeFile(path.join(out, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]));
    await writeFile(path.join(out, 'assets', 'big.bin'), Buffer.alloc(200 * 1024, 7));
    await mkdir(path.join(out, 'docs'), { recursive: true });
    await writeFile(path.join(out, 'docs', 'index.html'), '<!doctype html><title>Docs</title><p>docs index</p>');
    await writeFile(path.join(out, '.env'), 'SECRET=1');
    await writeFile(path.join(out, '.index.html.123.abcd.isr-tmp'), 'half-written');
    await writeFile(path.join(out, 'page.html.isr-tmp'), 'half-written');
    outside = path.join(s.site.root, 'outside-secret.txt');
    await writeFile(outside, 'TOP SECRET');
    await symlink(outside, path.join(out, 'leak.txt'));
    await symlink(s.site.root, path.join(out, 'rootlink'));
    await symlink(path.join(out, 'assets', 'app.css'), path.join(out, 'inside-link.css'));
  });
  afterAll(() => s.close());

  it('serves pages and files with their content types', async () => {
    const home = await s.get('/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.text).toContain('<h1>Items</h1>');
    expect((await s.get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await s.get('/assets/logo.png')).headers['content-type']).toBe('image/png');
    expect((await s.get('/feed.json')).headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await s.get('/assets/big.bin')).headers['content-type']).toBe('application/octet-stream');
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await s.get('/items/alpha/');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await s.get('/items/alpha/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect((await s.get('/items/alpha/', { 'if-none-match': '"other"' })).status).toBe(200);
    // The ETag of a compressed variant validates too.
    const br = await s.get('/items/alpha/', { 'accept-encoding': 'br' });
    expect((await s.get('/items/alpha/', { 'if-none-match': br.headers.etag! })).status).toBe(304);
  });

  it('serves byte ranges (206, suffix and open ranges, 416) from memory and from disk', async () => {
    const full = (await s.get('/assets/app.css')).body;
    const r = await s.get('/assets/app.css', { range: 'bytes=5-14' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 5-14/${full.length}`);
    expect(r.body.equals(full.subarray(5, 15))).toBe(true);
    const suffix = await s.get('/assets/app.css', { range: 'bytes=-7' });
    expect(suffix.body.equals(full.subarray(full.length - 7))).toBe(true);
    const open = await s.get('/assets/app.css', { range: `bytes=${full.length - 3}-` });
    expect(open.body.equals(full.subarray(full.length - 3))).toBe(true);
    const bad = await s.get('/assets/app.css', { range: `bytes=${full.length + 10}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${full.length}`);
    // A range is identity-encoded even when the client accepts compression.
    const both = await s.get('/assets/app.css', { range: 'bytes=0-3', 'accept-encoding': 'gzip, br' });
    expect(both.status).toBe(206);
    expect(both.headers['content-encoding']).toBeUndefined();
    expect(both.text).toBe('body');
    // If-Range with another ETag: the whole file.
    expect((await s.get('/assets/app.css', { range: 'bytes=0-3', 'if-range': '"stale"' })).status).toBe(200);
    // A file above maxFileBytes is streamed from disk, with ranges too.
    const big = await s.get('/assets/big.bin', { range: 'bytes=100-199' });
    expect(big.status).toBe(206);
    expect(big.body.length).toBe(100);
    expect((await s.get('/assets/big.bin')).body.length).toBe(200 * 1024);
  });

  it('negotiates brotli and gzip, and leaves binaries and refusing clients alone', async () => {
    const plain = await s.get('/');
    const br = await s.get('/', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length);
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    const gz = await s.get('/', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    expect((await s.get('/', { 'accept-encoding': 'br;q=0, gzip;q=0.5' })).headers['content-encoding']).toBe('gzip');
    expect((await s.get('/', { 'accept-encoding': 'identity' })).headers['content-encoding']).toBeUndefined();
    expect((await s.get('/assets/logo.png', { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
  });

  it('serves index.html for folders and redirects to the canonical trailing slash', async () => {
    const docs = await s.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('docs index');
    const r = await s.get('/docs?x=1');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('/docs/?x=1');
    const page = await s.get('/items/alpha');
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe('/items/alpha/');
    // A file page is canonical without the slash.
    const feed = await s.get('/feed.json/');
    expect(feed.status).toBe(308);
    expect(feed.headers.location).toBe('/feed.json');
    // A page's file path serves the page.
    const byFile = await s.get('/items/alpha/index.html');
    expect(byFile.status).toBe(200);
    expect(byFile.headers['x-isr-cache']).toBe('HIT');
  });

  it("answers unknown paths with the site's 404 page and status 404", async () => {
    const r = await s.get('/no/such/page');
    expect(r.status).toBe(404);
    expect(r.text).toContain('custom 404');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await s.get('/items/beta/', { 'accept-encoding': 'gzip' });
    const head = await s.get('/items/beta/', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect((await s.get('/nope', {}, 'HEAD')).status).toBe(404);
  });

  it('refuses other methods with 405', async () => {
    const r = await s.get('/', {}, 'DELETE');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    ['/../isr.config.mjs'],
    ['/%2e%2e/isr.config.mjs'],
    ['/%2E%2E/%2e%2e/etc/passwd'],
    ['/items/%2e%2e/%2e%2e/isr.config.mjs'],
    ['/..%2fisr.config.mjs'],
    ['/%2e%2e%2fisr.config.mjs'],
    ['/items%2f..%2f..%2fisr.config.mjs'],
    ['/..%5cisr.config.mjs'],
    ['/items\\..\\..\\isr.config.mjs'],
    ['/index.html%00.png'],
    ['/%00'],
    ['/%c0%ae%c0%ae/isr.config.mjs'],
    ['//etc/passwd'],
    ['/aaaa… (10,000 characters)'],
    ['/a/a/a/… (10,000 characters)'],
    ['/rootlink/isr.config.mjs'],
    ['/leak.txt'],
    ['/.env'],
    ['/.index.html.123.abcd.isr-tmp'],
    ['/page.html.isr-tmp'],
    ['/_headers'],
  ])('never serves anything outside outDir, temp files or dotfiles: %s', async (label) => {
    const p = label.startsWith('/aaaa') ? `/${'a'.repeat(10_000)}` : label.startsWith('/a/a') ? `/${'a/'.repeat(5_000)}` : label;
    const r = await s.get(p);
    expect([400, 404]).toContain(r.status);
    expect(r.text).not.toContain('TOP SECRET');
    expect(r.text).not.toContain('defineConfig');
    expect(r.text).not.toContain('half-written');
    expect(r.text).not.toContain('SECRET=1');
  });

  it('follows a symlink that stays inside outDir', async () => {
    const r = await s.get('/inside-link.css');
    expect(r.status).toBe(200);
    expect(r.text).toContain('color: red');
  });

  it('serves a hot page from memory: no file system call per request', async () => {
    // Its own server whose once-a-second disk checks cannot fall inside the measured requests.
    const hot = await serveFixture('serve-site', { diskCheckMs: 600_000 });
    try {
      await hot.get('/items/beta/', { 'accept-encoding': 'br' });
      await hot.get('/items/beta/');
      const calls = countFsCalls();
      try {
        for (let i = 0; i < 20; i++) {
          expect((await hot.get('/items/beta/', { 'accept-encoding': 'br' })).headers['content-encoding']).toBe('br');
          expect((await hot.get('/items/beta/')).status).toBe(200);
        }
        expect(calls.list).toEqual([]);
        // The counter works: a file not held yet costs calls.
        writeFileSync(path.join(hot.config.outDir, 'fresh.txt'), 'fresh');
        calls.list.length = 0;
        expect((await hot.get('/fresh.txt')).text).toBe('fresh');
        expect(calls.list.length).toBeGreaterThan(0);
      } finally {
        calls.restore();
      }
    } finally {
      await hot.close();
    }
  });

  it('picks up a static file changed on disk (checked at most once a second)', async () => {
    const file = path.join(s.config.outDir, 'assets', 'note.txt');
    await writeFile(file, 'one');
    expect((await s.get('/assets/note.txt')).text).toBe('one');
    await writeFile(file, 'two!');
    const { until } = await import('./helpers.js');
    await until(async () => (await s.get('/assets/note.txt')).text === 'two!', 'the new bytes');
    await rm(file);
    await until(async () => (await s.get('/assets/note.txt')).status === 404, 'a 404 after removal');
  });

  it('survives a client that goes away mid-response', async () => {
    const net = await import('node:net');
    const u = new URL(s.server.url);
    await new Promise<void>((resolve) => {
      const sock = net.connect(Number(u.port), u.hostname, () => {
        sock.write('GET /assets/big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
        sock.once('data', () => {
          sock.destroy();
          resolve();
        });
      });
    });
    expect((await request(s.server.url, '/')).status).toBe(200);
  });
});

/** Count calls into node:fs and node:fs/promises (named ESM imports included, via syncBuiltinESMExports). */
function countFsCalls(): { list: string[]; restore(): void } {
  const list: string[] = [];
  const originals: [Record<string, unknown>, string, unknown][] = [];
  const wrap = (obj: Record<string, any>, names: string[], prefix: string) => {
    for (const n of names) {
      const orig = obj[n];
      originals.push([obj, n, orig]);
      obj[n] = (...args: unknown[]) => {
        list.push(`${prefix}${n}`);
        return orig.apply(obj, args);
      };
    }
  };
  wrap(fs.promises as any, ['stat', 'lstat', 'readFile', 'realpath', 'open'], 'fs.promises.');
  wrap(fs as any, ['stat', 'statSync', 'readFile', 'readFileSync', 'realpath', 'createReadStream', 'open'], 'fs.');
  syncBuiltinESMExports();
  return {
    list,
    restore() {
      for (const [obj, n, orig] of originals) obj[n] = orig;
      syncBuiltinESMExports();
    },
  };
}
