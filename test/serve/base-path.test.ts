import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, type TempSite, tempSite } from '../helpers/site.js';
import { request, type ServedSite, serveFixture, T0, webhook } from './helpers.js';

const SECRET = 'base-secret';
const post = (s: ServedSite, path: string, body: unknown) => webhook(s, body, { secret: SECRET, path });

describe('isr serve under a base path', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('serves pages, assets and the 404 page under the base, with the base in every redirect', async () => {
    s = await serveFixture('base-path');
    const home = await s.get('/repo/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<a id="home" href="/repo/">');
    const post = await s.get('/repo/blog/hello/');
    expect(post.status).toBe(200);
    expect(post.text).toContain('<h1>Hello</h1>');
    const css = await s.get('/repo/style.css');
    expect(css.status).toBe(200);
    expect(css.text).toContain('font-family');
    expect((await s.get('/repo/feed.xml')).text).toContain('<link>https://user.github.io/repo/</link>');

    // The canonical slash, the base without its slash, a page's own redirect: all public paths.
    const slash = await s.get('/repo/blog/hello?x=1');
    expect([slash.status, slash.headers.location]).toEqual([308, '/repo/blog/hello/?x=1']);
    const bare = await s.get('/repo');
    expect([bare.status, bare.headers.location]).toEqual([308, '/repo/']);
    const moved = await s.get('/repo/blog/old-name/');
    expect([moved.status, moved.headers.location]).toEqual([308, '/repo/blog/hello/']);

    const missing = await s.get('/repo/nothing/');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Not found.');
  });

  it('redirects / to the base and answers 404 for every other path outside it', async () => {
    s = await serveFixture('base-path');
    const root = await s.get('/?utm=1');
    expect([root.status, root.headers.location]).toEqual([302, '/repo/?utm=1']);
    for (const outside of ['/blog/hello/', '/style.css', '/feed.xml', '/repository/', '/index.html']) {
      const r = await s.get(outside);
      expect(r.status, outside).toBe(404);
      expect(r.headers.location, outside).toBeUndefined();
    }
  });

  it('renders a fallback page asked for under the base', async () => {
    s = await serveFixture('base-path');
    await s.site.write('content/posts/fresh.md', '---\ntitle: Fresh\n---\nNew.\n');
    expect((await s.get('/blog/fresh/')).status).toBe(404);
    const r = await s.get('/repo/blog/fresh/');
    expect(r.status).toBe(200);
    expect(r.headers['x-isr-cache']).toBe('MISS');
    expect(r.text).toContain('<h1>Fresh</h1>');
  });

  it('the webhook takes public paths (with the base) and page paths (without), at its path or under the base', async () => {
    s = await serveFixture('base-path', { env: { ISR_REVALIDATE_SECRET: SECRET } });
    await s.site.write('content/posts/hello.md', '---\ntitle: Hello again\n---\nEdited.\n');
    await s.site.write('content/posts/often.md', '---\ntitle: Often again\n---\nEdited.\n');
    const r = await post(s, '/__isr/revalidate', { paths: ['/repo/blog/hello/', '/blog/often/'] });
    expect(r.status, r.text).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ ok: true, rendered: ['/blog/hello/', '/blog/often/'], errors: [] });
    expect((await s.get('/repo/blog/hello/')).text).toContain('Hello again');

    await s.site.write('content/posts/hello.md', '---\ntitle: Hello thrice\n---\nEdited.\n');
    const under = await post(s, '/repo/__isr/revalidate', { path: '/repo/blog/hello' });
    expect(under.status, under.text).toBe(200);
    expect(JSON.parse(under.text).rendered).toEqual(['/blog/hello/']);
    expect((await s.get('/repo/blog/hello/')).text).toContain('Hello thrice');
    // The base alone is the home page.
    expect(JSON.parse((await post(s, '/__isr/revalidate', { path: '/repo/' })).text).rendered).toEqual(['/']);
  });
});

describe('isr serve under a base path (CLI)', () => {
  let site: TempSite | undefined;
  afterEach(() => site?.cleanup());

  it('prints the URL of the site under its base, and it answers there', async () => {
    site = await tempSite('base-path');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'serve', site.root, '--port', '0'], {
      env: { ...process.env, NO_COLOR: '1', ISR_NOW: '', ISR_REVALIDATE_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /isr serve: .* at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`isr serve exited with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/repo\/$/);
      const home = await request(url, new URL(url).pathname);
      expect(home.status).toBe(200);
      expect(home.text).toContain('href="/repo/blog/hello/"');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
