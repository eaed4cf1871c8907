import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { emptyManifest, readManifest, writeManifest, type Manifest } from '../../src/manifest/manifest.js';

let root: string;
let file: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'isr-manifest-'));
  mkdirSync(path.join(root, '.isr'));
  file = path.join(root, '.isr', 'manifest.json');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WAY_OUT = 'delete .isr/manifest.json and run `isr build` to rebuild it (the output folder is kept)';

async function failure(text: string): Promise<{ code: string; exit: number; line: string }> {
  writeFileSync(file, text);
  try {
    await readManifest(file, root);
  } catch (err) {
    if (!(err instanceof IsrError)) throw err;
    return { code: err.code, exit: err.exitCode, line: err.toLine() };
  }
  throw new Error('expected the manifest to be refused');
}

const valid = (): Manifest => ({
  ...emptyManifest(),
  generator: 'isr test',
  updatedAt: 5,
  configHash: 'c',
  pages: {
    '/b/': { route: 'r', builtAt: 1, changedAt: 1, revalidate: 60, status: 'ok', file: 'b/index.html' },
    '/a/': { route: 'r', builtAt: 2, changedAt: 2, revalidate: false, status: 'notFound' },
  },
});

describe('reading the manifest', () => {
  it('returns undefined when there is none (a first build)', async () => {
    expect(await readManifest(path.join(root, 'missing.json'), root)).toBeUndefined();
  });

  it('refuses corrupt JSON, naming the file and the way out', async () => {
    const f = await failure('{"version": 1, "pages": {');
    expect(f.code).toBe('MANIFEST_CORRUPT');
    expect(f.exit).toBe(6);
    expect(f.line).toMatch(/^\.isr\/manifest\.json: the manifest is not valid JSON \(.+\) \(delete \.isr\/manifest\.json and run `isr build` to rebuild it \(the output folder is kept\)\)$/);
  });

  it('refuses a manifest of another version', async () => {
    expect(await failure(JSON.stringify({ ...valid(), version: 2 }))).toEqual({
      code: 'MANIFEST_CORRUPT',
      exit: 6,
      line: `.isr/manifest.json: manifest version 2 is not supported (this isr reads version 1) (${WAY_OUT})`,
    });
  });

  it('refuses JSON that is not a manifest', async () => {
    for (const text of ['null', '[]', '"x"', '{"pages":{}}']) {
      expect((await failure(text)).line).toBe(`.isr/manifest.json: this is not an isr manifest (no "version") (${WAY_OUT})`);
    }
  });

  it('refuses a manifest missing a section', async () => {
    for (const key of ['pages', 'routes', 'templates', 'configHash'] as const) {
      const m: Record<string, unknown> = { ...valid() };
      delete m[key];
      expect(await failure(JSON.stringify(m))).toEqual({
        code: 'MANIFEST_CORRUPT',
        exit: 6,
        line: `.isr/manifest.json: the manifest is missing "pages", "routes", "templates" or "configHash" (${WAY_OUT})`,
      });
    }
  });

  it('refuses a malformed page entry, naming its path', async () => {
    const m = valid() as any;
    m.pages['/b/'].builtAt = 'yesterday';
    expect((await failure(JSON.stringify(m))).line).toBe(`.isr/manifest.json: manifest entry for "/b/" is malformed (${WAY_OUT})`);
  });

  it('reports a manifest that cannot be read (a folder in its place)', async () => {
    const dir = path.join(root, 'as-dir');
    mkdirSync(dir, { recursive: true });
    await expect(readManifest(dir, root)).rejects.toMatchObject({ code: 'MANIFEST_CORRUPT', message: expect.stringMatching(/^cannot read the manifest: /) });
  });
});

describe('writing the manifest', () => {
  it('round-trips, with pages sorted by path and one line per page', async () => {
    const m = valid();
    await writeManifest(file, { ...m, pendingRemovals: [] });
    const text = readFileSync(file, 'utf8');
    expect(await readManifest(file, root)).toEqual({ ...m, pages: { '/a/': m.pages['/a/'], '/b/': m.pages['/b/'] } });
    expect(Object.keys(JSON.parse(text).pages)).toEqual(['/a/', '/b/']);
    expect(text).not.toContain('pendingRemovals');
    expect(text).toContain(`\n    "/a/": ${JSON.stringify(m.pages['/a/'])},\n`);
    expect(text.endsWith('\n  }\n}\n')).toBe(true);
  });

  it('keeps pending removals when there are some', async () => {
    await writeManifest(file, { ...valid(), pendingRemovals: ['old/index.html'] });
    expect((await readManifest(file, root))?.pendingRemovals).toEqual(['old/index.html']);
  });
});
