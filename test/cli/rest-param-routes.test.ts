import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const CONFIG = 'isr.config.mjs';

describe('isr build: route patterns from other frameworks, and paths() where it cannot apply', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());

  const edit = async (from: string, to: string) => {
    const text = await site.read(CONFIG);
    if (!text.includes(from)) throw new Error(`fixture changed: ${from}`);
    await site.write(CONFIG, text.replace(from, to));
  };
  const expectRefused = async (code: number, line: string) => {
    const r = await site.run(['build'], { now: T0 });
    expect(r.stderr.trim().split('\n')).toEqual([line]);
    expect(r.code).toBe(code);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
  };

  it('refuses a Next.js catch-all /[...slug]/ with the rest param it means', async () => {
    site = await tempSite('blog');
    await edit("path: '/blog/:slug/'", "path: '/blog/[...slug]/'");
    await expectRefused(
      3,
      `isr: isr.config.mjs: routes[1].path: expected a valid URL pattern (uses a catch-all in another framework's syntax, which isr would take literally), found string "/blog/[...slug]/" (did you mean "/blog/:slug*/"? (a rest param :name* matches one or more segments)) [CONFIG_INVALID]`,
    );
  });

  it('refuses paths() on a route without params (it would never be called)', async () => {
    site = await tempSite('blog');
    await edit("path: '/feed.xml',", "path: '/feed.xml', paths: () => [{ slug: 'x' }],");
    await expectRefused(
      3,
      'isr: isr.config.mjs: routes[3].paths: expected no paths() ("/feed.xml" has no params: it is one page), found a function (add a param, e.g. "/docs/:path*/", or remove paths()) [CONFIG_INVALID]',
    );
  });

  it('builds nested ids under a rest param and refuses a ".." segment in one, naming the route', async () => {
    site = await tempSite('blog');
    await edit("path: '/blog/:slug/'", "path: '/blog/:slug*/'");
    await site.write('content/posts/guides/install/linux.md', '---\ntitle: Linux\ndate: 2026-01-07\n---\nHi');
    const ok = await site.run(['build'], { now: T0 });
    expect(ok.stderr).toMatch(/^built \d+ pages/);
    expect(ok.code).toBe(0);
    expect(await site.read('dist/blog/guides/install/linux/index.html')).toContain('Linux');
    await edit('.map((p) => ({ slug: p.id })),', ".map((p) => ({ slug: p.id })).concat([{ slug: 'guides/../../etc' }]),");
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toEqual([
      'isr: route "post": paths() gave {"slug":"guides/../../etc"}: param "slug" = "guides/../../etc" has a segment ".." that contains ".." (params may not be empty or contain "/", "\\" or "..") [BAD_PARAMS]',
    ]);
  });
});
