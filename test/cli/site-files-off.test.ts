import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 16 item 15: a site file the config turns off must not stay in outDir to be deployed stale.
let site: TempSite;
afterEach(() => site?.cleanup());

async function turnOff(s: TempSite, keys: string): Promise<void> {
  const config = await s.read('isr.config.mjs');
  await s.write('isr.config.mjs', config.replace('revalidate: 3600,', `revalidate: 3600, ${keys}`));
}

describe('site files turned off in the config', () => {
  it('removes the old _headers and sitemap.xml and reports them removed', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    expect(existsSync(path.join(site.root, 'dist/_headers'))).toBe(true);
    expect(existsSync(path.join(site.root, 'dist/sitemap.xml'))).toBe(true);

    await turnOff(site, 'headersFile: false, sitemap: false,');
    const r = await site.run(['regen', '--json'], { now: '2026-01-01T00:01:00Z' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).removed).toEqual(expect.arrayContaining(['_headers', 'sitemap.xml']));
    expect(existsSync(path.join(site.root, 'dist/_headers'))).toBe(false);
    expect(existsSync(path.join(site.root, 'dist/sitemap.xml'))).toBe(false);
  });

  it('removes every sitemap shard of a sharded site', async () => {
    site = await tempSite('blog');
    const env = { ISR_PAGES_PER_SHARD: '1' };
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
    const index = await site.read('dist/sitemap.xml');
    const shards = [...index.matchAll(/(sitemap-[0-9a-f]+\.xml)/g)].map((m) => m[1]!);
    expect(shards.length).toBeGreaterThan(1);

    await turnOff(site, 'sitemap: false,');
    const r = await site.run(['regen', '--json'], { now: '2026-01-01T00:01:00Z', env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).removed).toEqual(expect.arrayContaining(['sitemap.xml', ...shards]));
    for (const f of ['sitemap.xml', ...shards]) expect(existsSync(path.join(site.root, 'dist', f)), f).toBe(false);
    expect(existsSync(path.join(site.root, 'dist/_headers'))).toBe(true);
  });

  it('leaves a _headers file of your own alone', async () => {
    site = await tempSite('blog');
    await turnOff(site, 'headersFile: false,');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    await writeFile(path.join(site.root, 'dist/_headers'), '/*\n  X-Frame-Options: DENY\n');
    // A config change (the trigger for the clean-up), with the file still off.
    await turnOff(site, 'sitemap: false,');
    const r = await site.run(['regen', '--json'], { now: '2026-01-01T00:01:00Z' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).removed).not.toContain('_headers');
    expect(await site.read('dist/_headers')).toBe('/*\n  X-Frame-Options: DENY\n');
  });
});
