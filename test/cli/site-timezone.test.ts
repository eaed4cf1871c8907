import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');

describe('isr build: dates in site.timezone', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());

  const setZone = async (zone: string) => {
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace("lang: 'en',", `lang: 'en',\n    timezone: ${JSON.stringify(zone)},`));
  };

  it("shows a post's date on the site's calendar: 23:30 UTC is the next day in Tokyo", async () => {
    site = await tempSite('blog');
    const post = await site.read('content/posts/hello-world.md');
    await site.write('content/posts/hello-world.md', post.replace('date: 2026-01-05', 'date: 2026-01-05T23:30:00Z'));
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('<time datetime="2026-01-05">January 5, 2026</time>');
    await setZone('Asia/Tokyo');
    expect((await site.run(['build'], { now: T0 })).code).toBe(0);
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('<time datetime="2026-01-06">January 6, 2026</time>');
  });

  it('refuses a time zone Node does not know, as a config error', async () => {
    site = await tempSite('blog');
    await setZone('Mars/Olympus');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      'isr: isr.config.mjs: site.timezone: expected an IANA time zone such as "Europe/Berlin", found string "Mars/Olympus" (see "Config reference" in the README) [CONFIG_INVALID]',
    ]);
  });

  it('stops at a front matter date it cannot read: one line with file:line, exit 5, nothing published', async () => {
    site = await tempSite('blog');
    const post = await site.read('content/posts/hello-world.md');
    await site.write('content/posts/hello-world.md', post.replace('date: 2026-01-05', 'date: 2026-02-30'));
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toEqual([
      'isr: content/posts/hello-world.md:3: date "2026-02-30" is not a date (write it as 2024-05-01, 2024-05-01 10:00 or 2024-05-01T10:00:00+02:00) [FRONT_MATTER]',
    ]);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
  });
});
