import { describe, expect, it } from 'vitest';
import type { PageEntry } from '../../src/manifest/manifest.js';
import { type EntryChange, findEntries, framed, patchSummary, spliceShard } from '../../src/manifest/shard-patch.js';
import { type RouteFacts, summarizeShard } from '../../src/manifest/shards.js';
import { shardText } from '../../src/manifest/write-manifest.js';

// A run that touches a few pages of a shard reads only their lines, splices the new ones in and
// patches the head's summary. Each must be exactly what the whole-shard path gives, or decline.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const FACTS: ReadonlyMap<string, RouteFacts> = new Map([
  ['post', { revalidate: 3600, sitemap: true }],
  ['tag', { revalidate: 600, sitemap: true }],
  ['hidden', { revalidate: false, sitemap: false }],
]);

function post(i: number, over: Partial<PageEntry> = {}): PageEntry {
  return {
    route: 'post',
    params: { slug: `p${i}` },
    builtAt: T0,
    revalidate: 3600,
    tags: [`file:content/p${i}.md`],
    file: `blog/p${i}/index.html`,
    changedAt: T0 - i * 1000,
    outputHash: `h${i}`,
    status: 'ok',
    templateHash: 't1',
    ...over,
  };
}

function shard(n: number, over: (i: number) => Partial<PageEntry> = () => ({})): Map<string, PageEntry> {
  const pages = new Map<string, PageEntry>();
  for (let i = 0; i < n; i++) pages.set(`/blog/p${i}/`, post(i, over(i)));
  return pages;
}

const bytes = (pages: ReadonlyMap<string, PageEntry>) => Buffer.from(shardText('0a', pages));

/** The whole-shard answer after applying `changes`: what a patch must equal. */
function whole(pages: ReadonlyMap<string, PageEntry>, changes: EntryChange[]) {
  const next = new Map(pages);
  for (const c of changes) next.set(c.key, c.after);
  return { text: shardText('0a', next), info: summarizeShard(next, FACTS) };
}

const edit = (pages: Map<string, PageEntry>, i: number, over: Partial<PageEntry>): EntryChange => {
  const key = `/blog/p${i}/`;
  return { key, before: pages.get(key)!, after: { ...pages.get(key)!, ...over } };
};

describe('reading a shard by its lines', () => {
  it('finds the entries of named paths and of a tag, parsed from their own lines', () => {
    const pages = shard(6);
    const raw = bytes(pages);
    expect(framed(raw, '0a', 2)).toBe(true);
    const found = findEntries(raw, ['/blog/p1/', '/blog/p9/'], ['file:content/p4.md']);
    expect(new Map(found)).toEqual(
      new Map([
        ['/blog/p1/', pages.get('/blog/p1/')],
        ['/blog/p4/', pages.get('/blog/p4/')],
      ]),
    );
  });

  it('does not take a tag quoted inside another field for the tag', () => {
    const pages = shard(3, (i) => (i === 2 ? { status: 'error', error: 'see "file:content/p0.md"' } : {}));
    const found = findEntries(bytes(pages), [], ['file:content/p0.md']);
    expect(found.map(([k]) => k)).toEqual(['/blog/p0/']);
  });

  it('declines a shard framed otherwise (another id, an older layout, a cut file)', () => {
    const raw = bytes(shard(2));
    expect(framed(raw, '0b', 2)).toBe(false);
    expect(framed(raw, '0a', 1)).toBe(false);
    expect(framed(raw.subarray(0, raw.length - 2), '0a', 2)).toBe(false);
  });
});

describe('splicing changed lines into a shard', () => {
  it('gives byte for byte the text of the shard written whole, first, middle and last line', () => {
    const pages = shard(5);
    const changes = [
      edit(pages, 0, { builtAt: T0 + 1, outputHash: 'x0' }),
      edit(pages, 4, { changedAt: T0 + 9, tags: ['a', 'b'] }),
      edit(pages, 2, { status: 'error', error: 'boom' }),
    ];
    const parts = spliceShard(bytes(pages), changes)!;
    expect(Buffer.concat(parts).toString()).toBe(whole(pages, changes).text);
  });

  it('declines a page that has no line (a new page)', () => {
    const pages = shard(2);
    expect(spliceShard(bytes(pages), [{ key: '/blog/new/', before: post(7), after: post(7) }])).toBeUndefined();
  });
});

describe('patching a shard summary from old and new entries', () => {
  it('an edited post (later change, same tags and template) patches to the whole-shard summary', () => {
    // Built at different times, as a site's pages are after a while of regens.
    const pages = shard(8, (i) => ({ builtAt: T0 - i * 60_000 }));
    const changes = [
      edit(pages, 3, { builtAt: T0 + 5000, changedAt: T0 + 5000, outputHash: 'n3' }),
      edit(pages, 6, { builtAt: T0 + 5000 }),
    ];
    const info = summarizeShard(pages, FACTS);
    const patched = patchSummary(info, changes, FACTS);
    expect(patched).toBeDefined();
    expect(JSON.stringify(patched)).toBe(JSON.stringify(whole(pages, changes).info));
    expect(patched!.sitemap!.lastmod).toBe(T0 + 5000);
  });

  it('declines when the page holding the earliest due time becomes due later (only a full scan knows the next)', () => {
    const pages = shard(4);
    // All built at T0 with 3600 s: each page holds the minimum.
    const info = summarizeShard(pages, FACTS);
    expect(patchSummary(info, [edit(pages, 1, { builtAt: T0 + 60_000 })], FACTS)).toBeUndefined();
    // Moving earlier is exact.
    const earlier = [edit(pages, 1, { builtAt: T0 - 60_000 })];
    expect(JSON.stringify(patchSummary(info, earlier, FACTS))).toBe(JSON.stringify(whole(pages, earlier).info));
  });

  it('declines a changed tag set, template, route or top-level file', () => {
    const pages = shard(3);
    const info = summarizeShard(pages, FACTS);
    expect(patchSummary(info, [edit(pages, 0, { tags: ['other'] })], FACTS)).toBeUndefined();
    expect(patchSummary(info, [edit(pages, 0, { templateHash: 't2' })], FACTS)).toBeUndefined();
    expect(patchSummary(info, [edit(pages, 0, { route: 'tag' })], FACTS)).toBeUndefined();
    expect(patchSummary(info, [edit(pages, 0, { file: 'p0.html' })], FACTS)).toBeUndefined();
  });

  it('agrees with the whole-shard summary whenever it patches, over many random edits', () => {
    // A seeded generator: statuses, revalidate overrides, redirects, sitemap-less routes, errors.
    let seed = 7;
    const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const variant = (): Partial<PageEntry> => {
      switch (rnd(7)) {
        case 0:
          return { status: 'error', error: 'x', retryAt: T0 + rnd(5) * 1000, attempts: 1 };
        case 1:
          return { status: 'notFound', file: undefined };
        case 2:
          return { revalidate: rnd(2) ? false : 60 * (1 + rnd(3)) };
        case 3:
          return { status: 'redirect', redirect: { destination: `/to/${rnd(3)}/`, permanent: rnd(2) === 0 } };
        case 4:
          return { route: 'hidden' };
        default:
          return { builtAt: T0 + rnd(10) * 1000, changedAt: T0 + rnd(10) * 1000 - 5000 };
      }
    };
    let patched = 0;
    for (let round = 0; round < 1000; round++) {
      const pages = shard(2 + rnd(6), () => (rnd(3) ? {} : variant()));
      const info = summarizeShard(pages, FACTS);
      const keys = [...pages.keys()];
      const changes: EntryChange[] = [];
      for (const key of new Set(Array.from({ length: 1 + rnd(3) }, () => keys[rnd(keys.length)]!))) {
        changes.push({ key, before: pages.get(key)!, after: { ...pages.get(key)!, ...variant() } });
      }
      const p = patchSummary(info, changes, FACTS);
      if (!p) continue;
      patched++;
      expect(JSON.stringify(p)).toBe(JSON.stringify(whole(pages, changes).info));
    }
    // The property must have been exercised, not vacuously true.
    expect(patched).toBeGreaterThan(150);
  });
});
