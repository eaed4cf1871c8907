import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BLOG_HTML_PAGES } from '../helpers/blog.js';
import { builtOnce } from '../helpers/built-once.js';
import { listFiles, sorted } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type ServedSite, serveFixture, until, webhook } from '../serve/helpers.js';

const T0 = '2026-06-01T00:00:00.000Z';
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
describe('public/ assets', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  // The blog with an image, a dotfile folder and litter in public/, built once with --json.
  const built = builtOnce('blog', {
    now: T0,
    flags: ['--json'],
    prepare: async (site) => {
      await site.write('public/img/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>');
      await site.write('public/.well-known/security.txt', 'Contact: mailto:security@example.com\n');
      await site.write('public/.DS_Store', 'litter');
    },
  });

  it('copies the public folder into outDir as it is (dotfiles such as .well-known too, not .DS_Store) and lists the copies as written', async () => {
    const { site, result: r } = built;
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).written).toEqual(expect.arrayContaining(['style.css', 'img/logo.svg', '.well-known/security.txt']));
    expect(json(r).written).not.toContain('.DS_Store');
    expect(await site.read('dist/img/logo.svg')).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect(await site.read('dist/style.css')).toBe(await site.read('public/style.css'));
    expect(await listFiles(path.join(site.root, 'dist'))).not.toContain('.DS_Store');
  });

  it('links assets with asset(): the URL carries the content hash', async () => {
    const site = await built.copy();
    const css = await site.read('dist/style.css');
    const { createHash } = await import('node:crypto');
    const v = createHash('sha1').update(css).digest('base64url').slice(0, 16);
    expect(await site.read('dist/index.html')).toContain(`<link rel="stylesheet" href="/style.css?v=${v}">`);
  });

  it('a second build, and a build after .isr/ was lost, rewrites no asset (same inode and mtime)', async () => {
    const site = await built.copy();
    const before = statSync(path.join(site.root, 'dist/style.css'));
    const again = await site.run(['build', '--json'], { now: T0 });
    expect(json(again).written).toEqual([]);
    await rm(path.join(site.root, '.isr'), { recursive: true });
    const lost = await site.run(['build', '--json'], { now: T0 });
    expect(lost.code, lost.stderr).toBe(0);
    expect(
      json(lost).written.filter((f: string) => !f.endsWith('.html') && f !== 'feed.xml' && f !== 'sitemap.xml' && f !== '_headers'),
    ).toEqual([]);
    const after = statSync(path.join(site.root, 'dist/style.css'));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('regen after a stylesheet edit copies it and re-renders exactly the pages that link it', async () => {
    const site = await built.copy();
    await site.write('public/style.css', 'body { color: rebeccapurple }\n');
    const r = await site.run(['regen', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(out.written).toContain('style.css');
    expect(sorted(out.rendered)).toEqual(sorted(BLOG_HTML_PAGES));
    expect(out.plan.render.every((p: { reasons: string[] }) => p.reasons.includes('template-changed'))).toBe(true);
    expect(await site.read('dist/style.css')).toBe('body { color: rebeccapurple }\n');
    // An image no template names: copied, nothing re-rendered.
    await site.write('public/img/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="1"/>');
    const img = json(await site.run(['regen', '--json'], { now: T0 }));
    expect(img.written).toEqual(['img/logo.svg']);
    expect(img.rendered).toEqual([]);
  });

  it('regen removes the copy of a deleted asset and reports it', async () => {
    const site = await built.copy();
    await rm(path.join(site.root, 'public/img/logo.svg'));
    const r = await site.run(['regen', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).removed).toEqual(['img/logo.svg']);
    expect(await listFiles(path.join(site.root, 'dist'))).not.toContain('img/logo.svg');
  });

  it('copies a large file intact (hashed in chunks, copied without loading it)', async () => {
    site = await tempSite('blog');
    const big = randomBytes(5 * 1024 * 1024 + 17);
    await writeFile(path.join(site.root, 'public/video.bin'), big);
    const r = await site.run(['build'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(path.join(site.root, 'dist/video.bin'))).equals(big)).toBe(true);
  });

  it("refuses a public file that would take a page's output, naming both, and writes nothing", async () => {
    site = await tempSite('blog');
    await site.write('public/blog/hello-world/index.html', '<p>mine</p>');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      'isr: public/blog/hello-world/index.html and the page /blog/hello-world/ both write blog/hello-world/index.html (rename or remove public/blog/hello-world/index.html, or change what writes blog/hello-world/index.html) [DUPLICATE_OUTPUT]\n',
    );
    expect(await listFiles(site.root)).not.toContain('dist/index.html');
  });

  it('refuses an output folder inside the public folder (or the reverse)', async () => {
    site = await tempSite('blog');
    const r = await site.run(['build', '--out', 'public/out'], { now: T0 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^isr: .*--out public\/out: the output folder would contain or be inside the public folder public \(publicDir\)/,
    );
  });

  it('publicDir: false copies nothing', async () => {
    site = await tempSite('blog');
    const config = await site.read('isr.config.mjs');
    await site.write(
      'isr.config.mjs',
      config.replace('export default defineConfig({', 'export default defineConfig({\n  publicDir: false,'),
    );
    await site.write(
      'templates/layouts/base.eta',
      (await site.read('templates/layouts/base.eta')).replace(/ *<link rel="stylesheet"[^\n]*\n/, ''),
    );
    const r = await site.run(['build', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(await listFiles(path.join(site.root, 'dist'))).not.toContain('style.css');
  });
});

describe('public/ assets in isr serve', () => {
  let s: ServedSite | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('caches a versioned asset URL for good and makes an unversioned one revalidate', async () => {
    s = await serveFixture('blog');
    const href = /href="(\/style\.css\?v=[^"]+)"/.exec((await s.get('/')).text)![1]!;
    const versioned = await s.get(href);
    expect(versioned.status).toBe(200);
    expect(versioned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(versioned.headers['content-type']).toMatch(/^text\/css/);
    expect((await s.get('/style.css')).headers['cache-control']).toBe('public, max-age=0, must-revalidate');
  });

  it('a webhook run takes the recorded hashes and does not walk the public folder (a cron regen copies the edit)', async () => {
    s = await serveFixture('blog', { env: { ISR_REVALIDATE_SECRET: 'sec' } });
    const before = /href="(\/style\.css\?v=[^"]+)"/.exec((await s.get('/')).text)![1]!;
    await s.site.write('public/style.css', 'body { color: olive }\n');
    const r = await webhook(s, '{"paths":["/"]}', { secret: 'sec' });
    expect(r.status).toBe(200);
    expect(/href="(\/style\.css\?v=[^"]+)"/.exec((await s.get('/')).text)![1]).toBe(before);
    expect((await s.get('/style.css')).text).not.toContain('olive');
    const cron = await s.site.run(['regen', '--json'], { now: T0 });
    expect(JSON.parse(cron.stdout).written).toContain('style.css');
  });

  it('--watch: a stylesheet edit is copied, the pages get its new URL, and open tabs are told to reload', async () => {
    s = await serveFixture('blog', { watch: true });
    const old = /href="(\/style\.css\?v=[^"]+)"/.exec((await s.get('/')).text)![1]!;
    const events: string[] = [];
    const stream = await new Promise<http.IncomingMessage>((resolve) => http.get(new URL('/__isr/live', s!.server.url), resolve));
    stream.on('data', (d: Buffer) => events.push(d.toString()));
    await s.site.write('public/style.css', 'body { color: teal }\n');
    await until(async () => (await s!.get('/style.css')).text === 'body { color: teal }\n', 'the new stylesheet');
    await s.server.idle();
    await until(
      async () => events.some((e) => e.startsWith('event: reload') && e.includes('style.css')),
      'a reload event naming style.css',
    );
    stream.destroy();
    const now = /href="(\/style\.css\?v=[^"]+)"/.exec((await s.get('/')).text)![1]!;
    expect(now).not.toBe(old);
  });
});
