import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { readManifestJson, type TempSite, tempSite } from '../helpers/site.js';

// A run publishes its pages first and the manifest that describes them last, so a crash between
// the two leaves pages newer than the manifest (they render again when due), never a manifest
// naming pages that are not there yet. The random-kill test finds a swapped order only by luck;
// here every rename is seen, and a crash is injected right after the first page is in place.
const renames = vi.hoisted(() => ({
  log: [] as string[],
  /** Called before each rename with its target; throwing stands for the process dying there. */
  before: undefined as ((to: string) => void) | undefined,
}));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync = (from: string, to: string) => {
    renames.before?.(String(to));
    fs.renameSync(from, to);
    renames.log.push(String(to));
  };
  return { ...fs, renameSync, default: { ...fs, renameSync } };
});
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const rename = async (from: string, to: string) => {
    renames.before?.(String(to));
    await fsp.rename(from, to);
    renames.log.push(String(to));
  };
  return { ...fsp, rename, default: { ...fsp, rename } };
});
const { runSite } = await import('../../src/run/run-site.js');

const T0 = Date.parse('2026-06-01T00:00:00Z');

let site: TempSite | undefined;
afterEach(async () => {
  renames.log.length = 0;
  renames.before = undefined;
  await site?.cleanup();
  site = undefined;
});

/** The blog built at T0 (by the real CLI), then its post template edited: a regen re-renders every post. */
async function editedSite() {
  site = await tempSite('blog');
  const built = await site.run(['build', '--quiet'], { now: T0 });
  expect(built.code, built.stderr).toBe(0);
  const post = await site.read('templates/post.eta');
  await site.write('templates/post.eta', post.replace('<article>', '<article data-v="2">'));
  const config = await loadConfig(site.root);
  const inOut = (to: string) => to.startsWith(config.outDir + path.sep);
  const regen = () => runSite(config, { mode: 'regen', now: T0 + 1000, logger: silentLogger(), command: 'test' });
  return { site, config, inOut, regen };
}

describe('the order of publishing', () => {
  it('renames every page into place before the manifest head', async () => {
    const { config, inOut, regen } = await editedSite();
    const run = await regen();
    expect(run.rendered.length).toBeGreaterThan(1);
    const head = renames.log.indexOf(config.manifestFile);
    expect(head, 'the manifest head was renamed into place').toBeGreaterThanOrEqual(0);
    const pages = renames.log.filter(inOut);
    expect(pages.length).toBeGreaterThan(1);
    expect(renames.log.slice(head).filter(inOut), 'pages renamed after the manifest head').toEqual([]);
  });

  it('a crash after the first page is in place leaves the old manifest on disk, whole', async () => {
    const { site, config, inOut, regen } = await editedSite();
    const headBefore = await readFile(config.manifestFile, 'utf8');
    const manifestBefore = await readManifestJson(site.root);
    let pagesIn = 0;
    renames.before = (to) => {
      if (!inOut(to)) return;
      if (pagesIn++ === 1) throw Object.assign(new Error('EIO: simulated crash after the first page rename'), { code: 'EIO' });
    };
    await expect(regen()).rejects.toThrow(/simulated crash/);
    renames.before = undefined;

    // The first page is the new render; the manifest is the old one, head and shards.
    const first = renames.log.find(inOut)!;
    expect(first).toBeDefined();
    expect(await readFile(first, 'utf8')).toContain('data-v="2"');
    expect(await readFile(config.manifestFile, 'utf8')).toBe(headBefore);
    expect(await readManifestJson(site.root)).toEqual(manifestBefore);
    expect(renames.log).not.toContain(config.manifestFile);
  });
});
