import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { findNonJson } from '../../src/hash.js';
import { MAX_YAML_CHARS, parseYamlObject } from '../../src/sources/front-matter.js';
import { builtOnce } from '../helpers/built-once.js';
import { json } from '../helpers/files.js';
import type { TempSite } from '../helpers/site.js';

/**
 * Content that breaks a bound stays with its page: a YAML alias bomb in one post's front matter
 * fails that post's page (one line naming the file) while the listing, the new posts and the other
 * pages go on; props that are not JSON name the route, the path and the prop.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const LISTING_DUE = T0 + 3601_000;
const BOMB = [
  '---',
  'title: Boom',
  'date: 2026-05-01',
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
  '---',
  'Body.',
  '',
].join('\n');
const BOMB_ERROR =
  'content/posts/bomb.md:2: YAML aliases expand past the limit of 100 (an alias bomb?) (write the values out instead of repeating aliases)';

const built = builtOnce('blog', { now: T0 });
let site: TempSite;

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error '));

describe('a YAML alias bomb in one post', () => {
  it('fails that post only: the due listing runs, a new post is published, the index lists it', async () => {
    site = await built.copy();
    await site.write('content/posts/bomb.md', BOMB);
    await site.write('content/posts/fresh.md', '---\ntitle: Fresh\ndate: 2026-05-02\n---\nNew.\n');
    const r = await site.run(['regen'], { now: LISTING_DUE });
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([`error /blog/bomb/: ${BOMB_ERROR}`]);
    expect(r.stderr).not.toMatch(/ReferenceError|Excessive alias/);
    expect(await site.read('dist/blog/fresh/index.html')).toContain('Fresh');
    expect(await site.read('dist/index.html')).toContain('/blog/fresh/');
    expect(await site.read('dist/index.html')).not.toContain('/blog/bomb/');
    expect(existsSync(path.join(site.root, 'dist/blog/bomb'))).toBe(false);
    const m = await site.manifest();
    expect(m.routes.post.error).toBeUndefined();
    expect(m.routes.post.listedAt).toBe(LISTING_DUE);
    expect(m.pages['/blog/bomb/']).toMatchObject({ status: 'error', error: BOMB_ERROR });
  });

  it('keeps the last good page of a post that becomes a bomb', async () => {
    site = await built.copy();
    const good = await site.read('dist/blog/why-static/index.html');
    await site.write('content/posts/why-static.md', BOMB);
    const r = await site.run(['regen', '--json', '--all'], { now: T0 + 1000 });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      { path: '/blog/why-static/', error: `/blog/why-static/: ${BOMB_ERROR.replace('bomb.md', 'why-static.md')}` },
    ]);
    expect(json(r).listingFailed).toEqual([]);
    // Its own page stays; its data is unknown meanwhile, so a tag page only it gave goes, and
    // the home page's list is one post shorter (3 posts: page 2 goes).
    expect(json(r).removed).toEqual(['page/2/index.html', 'tags/hosting/index.html']);
    expect(await site.read('dist/blog/why-static/index.html')).toBe(good);
  });

  it('fails only its page in a first build too', async () => {
    site = await built.copy();
    await site.write('content/posts/bomb.md', BOMB);
    const r = await site.run(['build', '--json', '--out', 'fresh-out'], { now: T0 });
    expect(r.code).toBe(1);
    expect(json(r).failed.map((f: { path: string }) => f.path)).toEqual(['/blog/bomb/']);
    expect(existsSync(path.join(site.root, 'fresh-out/blog/hello-world/index.html'))).toBe(true);
  });
});

describe('YAML size', () => {
  it(`refuses YAML over ${MAX_YAML_CHARS} characters as the file's own failure`, () => {
    const yaml = `title: x\nbody: "${'a'.repeat(MAX_YAML_CHARS)}"\n`;
    let err: unknown;
    try {
      parseYamlObject(yaml, 'content/big.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IsrError);
    expect((err as IsrError).code).toBe('CONTENT_LIMIT');
    expect((err as IsrError).exitCode).toBe(1);
    expect((err as IsrError).toLine()).toMatch(/^content\/big\.yaml:1: YAML of \d+ characters, over the limit of 1048576 \(/);
  });
});

describe('props that are not JSON', () => {
  it('name the route, the path and the prop of a circular reference and of a BigInt; the other pages go on', async () => {
    site = await built.copy();
    const config = await site.read('isr.config.mjs');
    const routes = `routes: [
    {
      path: '/people/:who/',
      name: 'people',
      template: '404.eta',
      paths: async () => [{ who: 'ada' }, { who: 'bob' }, { who: 'cy' }],
      load: async ({ params }) => {
        if (params.who === 'ada') {
          const author = { name: 'Ada', friends: [] };
          author.friends.push(author);
          return { props: { author } };
        }
        if (params.who === 'bob') return { props: { stats: [{ 'view count': 12n }] } };
        return { props: { name: 'Cy' } };
      },
    },`;
    await site.write('isr.config.mjs', config.replace('routes: [', routes));
    const r = await site.run(['regen', '--json', '--route', 'people'], { now: T0 + 1000 });
    expect(r.code).toBe(1);
    expect(json(r).failed).toEqual([
      {
        path: '/people/ada/',
        error:
          '/people/ada/: route "people": load() for /people/ada/ returned props.author.friends[0], which is a circular reference (back to props.author) (props must be JSON data: convert BigInts with String() or Number(), and break cycles)',
      },
      {
        path: '/people/bob/',
        error:
          '/people/bob/: route "people": load() for /people/bob/ returned props.stats[0]["view count"], which is a BigInt (12n) (props must be JSON data: convert BigInts with String() or Number(), and break cycles)',
      },
    ]);
    expect(json(r).rendered).toContain('/people/cy/');
  });

  it('finds the first offending value in JSON order, honouring toJSON', () => {
    const date = new Date(0);
    expect(findNonJson({ a: date, b: { toJSON: () => 1n } }, 'props')).toEqual({ path: 'props.b', problem: 'is a BigInt (1n)' });
    expect(findNonJson({ ok: [1, 'x', null, { y: true }] }, 'props')).toBeUndefined();
    const shared = { s: 1 };
    expect(findNonJson({ a: shared, b: shared }, 'props')).toBeUndefined(); // shared, not circular
  });
});
