import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// A build or regen is synchronous work between awaits of settled promises: without a turn of the
// event loop, the timer that renews the run's lease never fires, and a run longer than the lease
// found it lapsed at the commit point and published nothing (LOCK_LOST, exit 75). Every
// 100k-page build on a loaded machine did. Here the lease is shortened (ISR_LEASE_MS) and each
// post's load() holds the thread for a while, so the run outlasts its lease several times over.
describe('a run longer than its lease', () => {
  let site: TempSite | undefined;
  afterEach(async () => {
    await site?.cleanup();
    site = undefined;
  });

  it('keeps the lease renewed and publishes', { timeout: 120_000 }, async () => {
    site = await tempSite('blog');
    const config = await site.read('isr.config.mjs');
    const slow = config.replace(
      'load: async ({ params, sources }) => {',
      // 1.5 s of synchronous work per post: the renewal timer gets no turn unless the run gives one.
      'load: async ({ params, sources }) => {\n        for (const end = Date.now() + 1500; Date.now() < end; );',
    );
    expect(slow).not.toBe(config);
    await site.write('isr.config.mjs', slow);
    const posts = readdirSync(path.join(site.root, 'content/posts')).length;
    // A 4 s lease, renewed every second when the loop turns; the posts alone hold it posts × 1.5 s.
    expect(posts * 1500).toBeGreaterThan(4000 + 1500);
    const r = await site.run(['build', '--concurrency', '1'], { env: { ISR_LEASE_MS: '4000' } });
    expect(r.stderr).not.toMatch(/lost the site lock/);
    expect(r.code).toBe(0);
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('<article');
  });
});
