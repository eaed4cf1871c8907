import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { describeS3, emptyStore, testSiteStore } from './helpers.js';

// The versions a run records for its sitemap and assets are S3's own (the ETag, the MD5 of the
// bytes): the next run's put of a changed one is If-Match that ETag and lands at the first try (no
// 412, no HEAD), and a run that changed neither puts neither. (The store sends the ETag unquoted,
// the form Ceph RGW wants: s3-store.ts.)
const T0 = Date.parse('2026-06-01T00:00:00Z');
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

let site: TempSite | undefined;
let store: SiteStore | undefined;
afterEach(async () => {
  if (store) await emptyStore(store);
  await site?.cleanup();
  site = store = undefined;
});

interface Sent {
  method: string;
  key: string;
  ifMatch?: string;
}

describeS3('the sitemap and the assets of a site in S3', () => {
  it('are put If-Match the ETag recorded when they were last uploaded, at the first try, and only when they changed', async () => {
    const sent: Sent[] = [];
    const recording: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      const key = new URL(String(input)).pathname.split('/').pop() ?? '';
      sent.push({ method: init?.method ?? 'GET', key, ...(headers.get('if-match') ? { ifMatch: headers.get('if-match')! } : {}) });
      return fetch(input, init);
    };
    site = await tempSite('blog');
    store = testSiteStore({ label: 'site-file-versions', fetch: recording });
    const config = await loadConfig(site.root);
    const opts = { logger: silentLogger(), command: 'test', store, detect: false, mode: 'build' } as const;
    await runSite(config, { ...opts, now: T0 });
    const before = { sitemap: (await store.site.get('sitemap.xml'))!.body, css: (await store.site.get('style.css'))!.body };

    await site.write('public/style.css', 'body { color: teal }\n');
    await site.write('content/posts/another.md', '---\ntitle: Another\ndate: 2026-05-01\n---\nOne more.\n');
    sent.length = 0;
    await runSite(config, { ...opts, now: T0 + 1000 });
    const of = (key: string) => sent.filter((s) => s.key === key).map(({ method, ifMatch }) => ({ method, ifMatch }));
    expect(of('sitemap.xml')).toEqual([{ method: 'PUT', ifMatch: md5(before.sitemap) }]);
    expect(of('style.css')).toEqual([{ method: 'PUT', ifMatch: md5(before.css) }]);

    sent.length = 0;
    await runSite(config, { ...opts, now: T0 + 2000 });
    expect([...of('sitemap.xml'), ...of('style.css')]).toEqual([]);
  });
});
