import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareFiles } from '../../src/sources/snapshot.js';
import { listFiles, sorted } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// The example blog: one files() source (content/posts). Its index, feed and tag pages list the
// folder; each post page reads its own file. Nothing expires at T0 (revalidate windows are long).
const T0 = '2026-06-01T00:00:00.000Z';
const LISTINGS = ['/', '/page/2/', '/feed.xml', '/tags/ci/', '/tags/guide/', '/tags/hosting/', '/tags/isr/', '/tags/meta/'];
const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const reasons = (out: any) => Object.fromEntries(out.plan.render.map((p: { path: string; reasons: string[] }) => [p.path, p.reasons]));

describe('isr regen finds content changes itself', () => {
  let site: TempSite;
  afterEach(async () => site?.cleanup());

  async function built(): Promise<TempSite> {
    site = await tempSite('blog');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    return site;
  }
  const regen = async (...args: string[]) => {
    const r = await site.run(['regen', '--json', ...args], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    return json(r);
  };

  it('does nothing when nothing changed', async () => {
    await built();
    const out = await regen();
    expect(out.rendered).toEqual([]);
    expect(out.written).toEqual([]);
  });

  it('re-renders an edited post and the pages that list the folder, with reason "changed", once', async () => {
    await built();
    await site.write(
      'content/posts/hello-world.md',
      (await site.read('content/posts/hello-world.md')).replace(/title: .*/, 'title: Hello, edited'),
    );
    const out = await regen();
    expect(sorted(out.rendered)).toEqual(sorted(['/blog/hello-world/', ...LISTINGS]));
    expect(Object.values(reasons(out)).every((r) => (r as string[]).includes('changed'))).toBe(true);
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('Hello, edited');
    expect(await site.read('dist/page/2/index.html')).toContain('Hello, edited'); // the index's page that lists it
    // Published: the next run starts from here.
    expect((await regen()).rendered).toEqual([]);
  });

  it('a touch without a change renders nothing (mtime alone is not a change)', async () => {
    await built();
    const file = path.join(site.root, 'content/posts/hello-world.md');
    const later = new Date(Date.now() + 60_000);
    await utimes(file, later, later);
    expect((await regen()).rendered).toEqual([]);
  });

  it('renders an added post as new and the listings, and removes a deleted one', async () => {
    await built();
    await site.write('content/posts/brand-new.md', '---\ntitle: Brand new\ndate: 2026-05-30\ntags: [meta]\n---\nFresh.\n');
    const added = await regen();
    expect(added.rendered).toContain('/blog/brand-new/');
    expect(reasons(added)['/blog/brand-new/']).toContain('new');
    expect(await site.read('dist/index.html')).toContain('Brand new');

    await rm(path.join(site.root, 'content/posts/brand-new.md'));
    const removed = await regen();
    expect(removed.removed).toContain('blog/brand-new/index.html');
    expect(await listFiles(path.join(site.root, 'dist'))).not.toContain('blog/brand-new/index.html');
    expect(await site.read('dist/index.html')).not.toContain('Brand new');
  });

  it('a rename removes the old page and renders the new one', async () => {
    await built();
    await rename(path.join(site.root, 'content/posts/why-static.md'), path.join(site.root, 'content/posts/why-static-sites.md'));
    const out = await regen();
    expect(out.rendered).toContain('/blog/why-static-sites/');
    expect(out.removed).toContain('blog/why-static/index.html');
  });

  it('--no-detect looks only at what is due or named', async () => {
    await built();
    await site.write(
      'content/posts/hello-world.md',
      (await site.read('content/posts/hello-world.md')).replace(/title: .*/, 'title: Not yet'),
    );
    expect((await regen('--no-detect')).rendered).toEqual([]);
    // The change is still found by the next detecting run.
    expect((await regen()).rendered).toContain('/blog/hello-world/');
  });

  it('a run that publishes nothing (bad input) does not move the snapshot on: the next run still sees the change', async () => {
    await built();
    await site.write(
      'content/posts/hello-world.md',
      (await site.read('content/posts/hello-world.md')).replace(/title: .*/, 'title: After the fix'),
    );
    const tpl = await site.read('templates/post.eta');
    await site.write('templates/post.eta', `${tpl}\n<% if (%>`);
    const broken = await site.run(['regen'], { now: T0 });
    expect(broken.code).toBe(4);
    await site.write('templates/post.eta', tpl);
    const out = await regen();
    expect(out.rendered).toContain('/blog/hello-world/');
    expect(await site.read('dist/blog/hello-world/index.html')).toContain('After the fix');
  });

  it('a lost or corrupt snapshot costs a full comparison with a warning, never a missed change', async () => {
    await built();
    await writeFile(path.join(site.root, '.isr/cache/posts.changes.json'), '{ not json');
    const r = await site.run(['regen', '--json'], { now: T0 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/source "posts": its change state posts\.changes\.json is unreadable; comparing everything/);
    // Everything of the source counts as changed: every page that read it renders again.
    expect(json(r).rendered).toEqual(expect.arrayContaining(['/blog/hello-world/', ...LISTINGS]));
    expect((await regen()).rendered).toEqual([]);
  });
});

describe('compareFiles (the files snapshot)', () => {
  it('reports adds, byte changes and deletions, and hashes only files whose stat changed', async () => {
    const site = await tempSite('blog');
    try {
      const a = path.join(site.root, 'content/posts/hello-world.md');
      const b = path.join(site.root, 'content/posts/why-static.md');
      // Stat'ed as if a minute after the copy: a file written within 100 ms of its stat is "racy"
      // and always hashed (test/unit/file-snapshot-racy.test.ts), which would hide the point here.
      const later = Date.now() + 60_000;
      const first = compareFiles(
        [
          ['a', a],
          ['b', b],
        ],
        undefined,
        undefined,
        later,
      );
      expect(first.complete).toBe(false);
      expect(first.events).toEqual([
        ['a', 'add'],
        ['b', 'add'],
      ]);
      // Same stat: the recorded hash is trusted (a wrong one is not noticed: proof nothing was read).
      const tampered = { version: 2, files: first.snapshot.files.replace(/^(a\t.*\t)[^\t\n]{32}$/m, `$1${'x'.repeat(32)}`) };
      expect(tampered.files).not.toBe(first.snapshot.files);
      expect(
        compareFiles(
          [
            ['a', a],
            ['b', b],
          ],
          tampered,
          undefined,
          later,
        ).events,
      ).toEqual([]);
      await writeFile(a, 'changed');
      expect(compareFiles([['a', a]], first.snapshot).events).toEqual([
        ['a', 'change'],
        ['b', 'unlink'],
      ]);
    } finally {
      await site.cleanup();
    }
  });
});
