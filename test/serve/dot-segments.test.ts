import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUrlPath } from '../../src/serve/static-files.js';
import { type ServedSite, serveFixture } from './helpers.js';

// A `.` or `..` segment is refused by the path check itself, as a bad request, before any file
// is looked up. The broader tests accept 400 or 404 for hostile paths, and the dotfile rule
// (404) and the realpath check would hide a missing dot-segment check there: these pin the
// exact answer of the check.
const DOT_SEGMENTS = [
  '/..',
  '/../x',
  '/a/..',
  '/a/../',
  '/a/../b',
  '/.',
  '/a/.',
  '/a/./b',
  '/%2e%2e/x',
  '/%2E%2e/x',
  '/a/%2e%2e',
  '/a/%2e/b',
  '/.%2e/x',
  '/%2e./x',
];

describe('dot segments in a request path', () => {
  it.each(DOT_SEGMENTS)('%s is refused by the dot-segment check (400), not taken for a dotfile (404)', (p) => {
    expect(parseUrlPath(p)).toEqual({ ok: false, status: 400, reason: 'dot segment' });
  });

  it('leaves names that only begin or end with dots to the other rules', () => {
    expect(parseUrlPath('/a/...')).toEqual({ ok: false, status: 404, reason: 'hidden file' });
    expect(parseUrlPath('/a/b..')).toMatchObject({ ok: true, path: '/a/b..' });
    expect(parseUrlPath('/a/b.')).toMatchObject({ ok: true, path: '/a/b.' });
  });
});

describe('isr serve: dot segments', () => {
  let s: ServedSite;
  beforeAll(async () => {
    // No periodic disk checks: every file system call during a request is the request's own.
    s = await serveFixture('serve-site', { diskCheckMs: 600_000 });
  });
  afterAll(() => s.close());

  it.each([
    // Each one, normalised, names a file that exists in outDir (feed.json, the home page).
    '/items/%2e%2e/feed.json',
    '/items/../feed.json',
    '/items/alpha/%2e%2e/%2e%2e/',
    '/%2e/feed.json',
  ])('answers %s with 400 without looking at the disk', async (p) => {
    expect((await s.get('/feed.json')).status).toBe(200);
    const calls = countFsCalls();
    let r: Awaited<ReturnType<typeof s.get>>;
    try {
      r = await s.get(p);
    } finally {
      calls.restore();
    }
    expect(r.status).toBe(400);
    expect(r.text).toBe('Bad Request\n');
    expect(calls.list).toEqual([]);
  });

  it('counts the lookups of a request that does reach the disk (the counter above works)', async () => {
    fs.writeFileSync(`${s.config.outDir}/fresh.txt`, 'fresh');
    const calls = countFsCalls();
    try {
      expect((await s.get('/fresh.txt')).text).toBe('fresh');
    } finally {
      calls.restore();
    }
    expect(calls.list.length).toBeGreaterThan(0);
  });
});

/** Count calls into node:fs and node:fs/promises that can look a path up. */
function countFsCalls(): { list: string[]; restore(): void } {
  const list: string[] = [];
  const originals: [Record<string, unknown>, string, unknown][] = [];
  const wrap = (obj: Record<string, any>, names: string[], prefix: string) => {
    for (const n of names) {
      const orig = obj[n];
      originals.push([obj, n, orig]);
      obj[n] = (...args: unknown[]) => {
        list.push(`${prefix}${n} ${String(args[0])}`);
        return orig.apply(obj, args);
      };
    }
  };
  wrap(fs.promises as any, ['stat', 'lstat', 'readFile', 'realpath', 'open', 'access'], 'fs.promises.');
  wrap(
    fs as any,
    [
      'stat',
      'statSync',
      'lstatSync',
      'existsSync',
      'readFile',
      'readFileSync',
      'realpath',
      'realpathSync',
      'createReadStream',
      'open',
      'openSync',
    ],
    'fs.',
  );
  syncBuiltinESMExports();
  return {
    list,
    restore() {
      for (const [obj, n, orig] of originals) obj[n] = orig;
      syncBuiltinESMExports();
    },
  };
}
