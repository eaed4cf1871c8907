/**
 * The twin-site test: the same inputs and the same clock (ISR_NOW) through the filesystem store
 * and through the S3 store (the real Ceph RGW) give identical page bytes and identical manifests,
 * after a build and again after a regen of the same edit. The store changes where bytes live,
 * never which bytes or what the manifest says about them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SiteStore } from '../../src/store/store.js';
import { readManifestJson, type TempSite, tempSite } from '../helpers/site.js';
import { snapshot } from '../reliability/harness/util.js';
import { bareRunner, bucketAt, bucketManifest, describeS3Cli, s3Env, siteObjects, storeFlags } from './cli-helpers.js';
import { emptyStore, uniquePrefix } from './helpers.js';

const NOW = '2026-06-01T00:00:00Z';
const LATER = '2026-06-01T02:00:00Z'; // the listings (600 s) are due, the posts (3,600 s) not

/**
 * What only an object store's manifest has, by nature:
 * - in each page entry, `version`: the ETag of the object the run wrote (S3 versions objects; a
 *   folder has no such thing), on which the next put of the page is conditional;
 * - in the head, `siteFiles`: the store version (MD5) of each site file (sitemap, `_headers`) as last uploaded,
 *   which a run compares with instead of the published file a folder keeps at hand. Not ignored:
 *   checked against the bytes of those files instead (expectTwins).
 * - in the head's recorded change set (`change`, manifest/head-change.ts), `base` and `via`: the
 *   store versions of the heads the run read and wrote before (an inode and mtime in a folder, an
 *   ETag in S3). The rest of the change set (pages, shards) must be equal.
 * Everything else in the manifest must be equal.
 */
const STORE_VERSION_FIELDS = ['version'];

function withoutStoreVersions(m: any): any {
  const pages: Record<string, unknown> = {};
  for (const [p, e] of Object.entries<Record<string, unknown>>(m.pages)) {
    pages[p] = Object.fromEntries(Object.entries(e).filter(([k]) => !STORE_VERSION_FIELDS.includes(k)));
  }
  const { siteFiles: _, change, ...head } = m;
  const { base: _base, via: _via, ...recorded } = change ?? {};
  return { ...head, ...(change ? { change: recorded } : {}), pages };
}

describeS3Cli('twin sites: the filesystem store and the S3 store agree byte for byte (Ceph RGW)', () => {
  let local: TempSite;
  let remote: TempSite;
  let prefix: string;
  let bucket: SiteStore;
  beforeEach(async () => {
    local = await tempSite('blog');
    remote = await tempSite('blog');
    prefix = uniquePrefix('twin');
    bucket = bucketAt(prefix);
  });
  afterEach(async () => {
    await local.cleanup();
    await remote.cleanup();
    await emptyStore(bucket);
  });

  async function expectTwins(): Promise<void> {
    const files = snapshot(path.join(local.root, 'dist'));
    const objects = await siteObjects(bucket);
    expect([...objects.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [k, bytes] of files) expect(objects.get(k)!.body.equals(bytes), `${k}: bytes differ`).toBe(true);
    const fsManifest = await readManifestJson(local.root);
    const s3Manifest = await bucketManifest(bucket);
    expect(withoutStoreVersions(s3Manifest)).toEqual(withoutStoreVersions(fsManifest));
    // The object store's own bookkeeping tells the truth: each page's version is its object's
    // ETag, and so is each recorded site file's version, and that is the MD5 of the file the
    // folder twin has (what the next conditional put of it expects).
    for (const e of Object.values<any>(s3Manifest.pages)) if (e.file) expect(e.version, e.file).toBe(objects.get(e.file)!.version);
    expect(Object.keys(s3Manifest.siteFiles ?? {}).length).toBeGreaterThan(0);
    for (const [file, v] of Object.entries<string>(s3Manifest.siteFiles ?? {})) {
      expect(v, file).toBe(objects.get(file)!.version);
      expect(v, file).toBe(createHash('md5').update(files.get(file)!).digest('hex'));
    }
  }

  it('builds the same pages and the same manifest, and regenerates the same edit the same way', async () => {
    const a = await local.run(['build'], { now: NOW });
    const b = await remote.run(['build', ...storeFlags(prefix)], { now: NOW, env: s3Env() });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    await expectTwins();

    const edit = (t: string) => t.replace('The hard part was freshness.', 'The hard part was freshness, until now.');
    for (const s of [local, remote]) await s.write('content/posts/why-static.md', edit(await s.read('content/posts/why-static.md')));
    await bareRunner(remote.root); // the S3 twin has nothing but the bucket
    const c = await local.run(['regen'], { now: LATER });
    const d = await remote.run(['regen', ...storeFlags(prefix)], { now: LATER, env: s3Env() });
    expect(c.code, c.stderr).toBe(0);
    expect(d.code, d.stderr).toBe(0);
    expect(await readFile(path.join(local.root, 'dist/blog/why-static/index.html'), 'utf8')).toContain('until now');
    await expectTwins();
  });
});
