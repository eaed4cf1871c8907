import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { siteFrom, type TempSite } from '../helpers/site.js';

// Issue 16 item 2: a failing regeneration of a redirect page keeps its last good state whole.
const CONFIG = `import { readFileSync } from 'node:fs';
const mode = () => readFileSync(new URL('./mode.txt', import.meta.url), 'utf8').trim();
export default {
  site: { url: 'https://example.com' },
  revalidate: 60,
  routes: [
    { path: '/', name: 'home', template: 'page.eta' },
    { path: '/old/', name: 'old', template: 'page.eta', load: () => {
      if (mode() === 'fail') throw new Error('upstream down');
      return { redirect: '/new/' };
    } },
  ],
};
`;

let site: TempSite;
afterEach(() => site?.cleanup());

const redirectSite = () =>
  siteFrom('redirect-fail', { 'isr.config.mjs': CONFIG, 'templates/page.eta': '<p>page</p>\n', 'mode.txt': 'redirect' });

describe('a redirect page whose regeneration fails', () => {
  for (const [name, env] of [
    ['shard patched line by line', {}],
    ['shard written whole', { ISR_SHARD_PATCH: '0' }],
  ] as const) {
    it(`keeps its stub, its _redirects line and its absence from the sitemap (${name})`, async () => {
      site = await redirectSite();
      expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z', env })).code).toBe(0);
      const stub = await site.read('dist/old/index.html');
      expect(await site.read('dist/_redirects')).toBe('/old/ /new/ 307\n');
      expect(await site.read('dist/sitemap.xml')).not.toContain('/old/');

      await site.write('mode.txt', 'fail');
      const r = await site.run(['regen', '--path', '/old/', '--json'], { now: '2026-01-01T00:05:00Z', env });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).failed.map((f: { path: string }) => f.path)).toEqual(['/old/']);
      expect(await site.read('dist/old/index.html')).toBe(stub);
      expect(existsSync(path.join(site.root, 'dist/_redirects'))).toBe(true);
      expect(await site.read('dist/_redirects')).toBe('/old/ /new/ 307\n');
      expect(await site.read('dist/sitemap.xml')).not.toContain('/old/');

      // A later unrelated run keeps it so too (the summary in the head says the same).
      const again = await site.run(['regen', '--path', '/', '--json'], { now: '2026-01-01T00:05:00Z', env });
      expect(again.code).toBe(0);
      expect(await site.read('dist/_redirects')).toBe('/old/ /new/ 307\n');
      expect(await site.read('dist/sitemap.xml')).not.toContain('/old/');
    });
  }
});
