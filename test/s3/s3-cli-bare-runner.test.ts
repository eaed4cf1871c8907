/**
 * A CI runner with no dist/ and no .isr/: the site's state lives in the bucket alone. `isr build
 * --store s3://…` publishes the blog fixture to the real Ceph RGW; the local folders are then
 * deleted, a post edited, and `isr regen` (change detection, `--path`, `--tag`) must upload
 * exactly the objects whose bytes changed, with their metadata, and `isr status --store` must
 * read the pages from the bucket.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hash } from '../../src/hash.js';
import type { SiteStore } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';
import { type BucketObject, bareRunner, bucketAt, bucketManifest, describeS3Cli, s3Env, siteObjects, storeFlags } from './cli-helpers.js';
import { emptyStore, uniquePrefix } from './helpers.js';
import { type S3Proxy, startS3Proxy } from './s3-proxy.js';

const NOW = '2026-06-01T00:00:00Z';
const LATER = '2026-06-01T00:01:00Z'; // nothing due yet (the shortest revalidate is 600 s)

describeS3Cli('a bare runner with its site in S3, through the CLI (Ceph RGW)', () => {
  let site: TempSite;
  let prefix: string;
  let bucket: SiteStore;
  let proxy: S3Proxy;
  beforeEach(async () => {
    site = await tempSite('blog');
    prefix = uniquePrefix('bare');
    bucket = bucketAt(prefix);
    proxy = await startS3Proxy();
    const built = await site.run(['build', ...storeFlags(prefix)], { now: NOW, env: s3Env() });
    expect(built.code, built.stderr).toBe(0);
  });
  afterEach(async () => {
    await proxy.close();
    await site.cleanup();
    await emptyStore(bucket);
  });

  /** Keys of the site (not the private state) the process PUT through the proxy. */
  const sitePuts = () => proxy.log.filter((r) => r.kind === 'PUT' && r.key.startsWith(prefix)).map((r) => r.key.slice(prefix.length));
  /** Keys whose bytes differ between two views of the bucket, or that appeared. */
  const changed = (before: Map<string, BucketObject>, after: Map<string, BucketObject>) =>
    [...after].filter(([k, o]) => !before.get(k)?.body.equals(o.body)).map(([k]) => k);

  it('publishes every page, asset and site file, each object the bytes its manifest entry names', async () => {
    const objects = await siteObjects(bucket);
    for (const k of ['index.html', 'blog/hello-world/index.html', 'tags/ci/index.html', 'feed.xml', '404.html', 'style.css', 'sitemap.xml'])
      expect(objects.has(k), k).toBe(true);
    const m = await bucketManifest(bucket);
    expect(Object.keys(m.pages)).toHaveLength(13);
    for (const [p, e] of Object.entries<any>(m.pages)) expect(hash(objects.get(e.file)!.body), p).toBe(e.outputHash);
    expect(
      [...objects.keys()].some((k) => k.startsWith('.isr/')),
      'private state among the served objects',
    ).toBe(false);
  });

  it('regenerates an edited post from the bucket alone: exactly the changed objects uploaded, with their metadata', async () => {
    const before = await siteObjects(bucket);
    await bareRunner(site.root);
    const post = (await site.read('content/posts/hello-world.md')).replace('static files, regenerated', 'static files, kept fresh');
    await site.write('content/posts/hello-world.md', post);

    const r = await site.run(['regen', ...storeFlags(prefix, proxy.endpoint)], { now: LATER, env: s3Env() });
    expect(r.code, r.stderr).toBe(0);
    const after = await siteObjects(bucket);
    const diff = changed(before, after);
    expect(diff).toContain('blog/hello-world/index.html');
    expect(diff).not.toContain('blog/why-static/index.html');
    expect(sitePuts().sort()).toEqual(diff.sort());
    const page = after.get('blog/hello-world/index.html')!;
    expect(page.body.toString('utf8')).toContain('kept fresh');
    expect(page.meta.contentType).toBe('text/html; charset=utf-8');
    expect(page.meta.cacheControl).toBe('public, max-age=0, s-maxage=3600, stale-while-revalidate=3600');
    const m = await bucketManifest(bucket);
    expect(m.pages['/blog/hello-world/'].outputHash).toBe(hash(page.body));
    expect(m.pages['/blog/why-static/'].builtAt).toBe(Date.parse(NOW));

    await bareRunner(site.root);
    const status = await site.run(['status', '--json', ...storeFlags(prefix)], { now: LATER, env: s3Env() });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ pages: 13, due: 0, failing: [] });
  });

  it('answers a regen with nothing due and nothing changed without uploading anything', async () => {
    const before = await siteObjects(bucket);
    await bareRunner(site.root);
    const r = await site.run(['regen', ...storeFlags(prefix, proxy.endpoint)], { now: LATER, env: s3Env() });
    expect(r.code, r.stderr).toBe(0);
    expect(sitePuts()).toEqual([]);
    expect(changed(before, await siteObjects(bucket))).toEqual([]);
  });

  it('renders a --path page on a bare runner and uploads it only when its bytes changed', async () => {
    const before = await siteObjects(bucket);
    await bareRunner(site.root);
    // Unchanged content: rendered again (its entry says so), but the same bytes are not uploaded.
    const same = await site.run(['regen', '--path', '/blog/why-static/', ...storeFlags(prefix, proxy.endpoint)], {
      now: LATER,
      env: s3Env(),
    });
    expect(same.code, same.stderr).toBe(0);
    expect(sitePuts()).toEqual([]);
    expect((await bucketManifest(bucket)).pages['/blog/why-static/'].builtAt).toBe(Date.parse(LATER));

    proxy.reset();
    await bareRunner(site.root);
    const text = (await site.read('content/posts/why-static.md')).replace('hard to break', 'very hard to break');
    await site.write('content/posts/why-static.md', text);
    const edited = await site.run(['regen', '--no-detect', '--path', '/blog/why-static/', ...storeFlags(prefix, proxy.endpoint)], {
      now: LATER,
      env: s3Env(),
    });
    expect(edited.code, edited.stderr).toBe(0);
    const after = await siteObjects(bucket);
    expect(sitePuts()).toContain('blog/why-static/index.html');
    expect(sitePuts().sort()).toEqual(changed(before, after).sort());
    expect(after.get('blog/why-static/index.html')!.body.toString('utf8')).toContain('very hard to break');
    expect(after.get('index.html')!.body.equals(before.get('index.html')!.body)).toBe(true); // only the page named
  });

  it('renders the pages of a --tag on a bare runner, and those only', async () => {
    await bareRunner(site.root);
    const r = await site.run(['regen', '--no-detect', '--tag', 'tag:guide', ...storeFlags(prefix)], { now: LATER, env: s3Env() });
    expect(r.code, r.stderr).toBe(0);
    const m = await bucketManifest(bucket);
    const rendered = Object.entries<any>(m.pages)
      .filter(([, e]) => e.builtAt === Date.parse(LATER))
      .map(([p]) => p)
      .sort();
    const tagged = Object.entries<any>(m.pages)
      .filter(([, e]) => (e.tags ?? []).includes('tag:guide'))
      .map(([p]) => p)
      .sort();
    expect(tagged).toEqual(['/blog/cron-in-ci/', '/blog/revalidate-explained/']);
    expect(rendered).toEqual(tagged);
  });
});
