import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { files } from '../../src/sources/files.js';
import { configRoot } from '../helpers/config-root.js';
import { type CliResult, type TempSite, tempSite } from '../helpers/site.js';

/**
 * The output folder is published whole, so it may not hold the site root, the config, the
 * templates, a files() content folder or the manifest: `isr build --out .` let `isr serve` serve
 * isr.config.mjs with its revalidateSecret. Refused with exit 3, one line, nothing written.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite;
afterEach(() => site?.cleanup());

function oneLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('isr build refuses an output folder that would publish the site itself', () => {
  for (const [out, why] of [
    ['.', /--out \.: the output folder would contain the site root \(isr\.config\.mjs with its secrets/],
    ['templates', /--out templates: the output folder would contain or be inside the templates folder templates/],
    ['content', /--out content: the output folder would contain or be inside the content folder content\/posts \(a files\(\) source\)/],
    ['content/posts/out', /the content folder content\/posts/],
  ] as const) {
    it(`--out ${out}: exit 3, one line with the way out, nothing written`, async () => {
      site = await tempSite('blog');
      const r = await site.run(['build', '--out', out], { now: T0 });
      expect(r.code).toBe(3);
      expect(oneLine(r)).toMatch(why);
      expect(r.stderr).toContain('(give the output a folder of its own, such as "dist") [CONFIG_INVALID]');
      expect(existsSync(path.join(site.root, '.isr'))).toBe(false);
      expect(existsSync(path.join(site.root, 'index.html'))).toBe(false);
      expect(existsSync(path.join(site.root, 'content/posts/out'))).toBe(false);
    });
  }

  it('refuses a manifest configured inside outDir', async () => {
    site = await tempSite('blog');
    const config = await site.read('isr.config.mjs');
    await site.write(
      'isr.config.mjs',
      config.replace('export default defineConfig({', "export default defineConfig({\n  manifest: 'dist/.isr/manifest.json',"),
    );
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(3);
    expect(oneLine(r)).toBe(
      'isr: isr.config.mjs: manifest "dist/.isr/manifest.json": it is inside the output folder (outDir "dist"), which is published whole (keep the manifest outside it, e.g. manifest: ".isr/manifest.json") [CONFIG_INVALID]',
    );
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
  });

  it('still builds into a folder of its own', async () => {
    site = await tempSite('blog');
    const r = await site.run(['build', '--quiet', '--out', 'www'], { now: T0 });
    expect(r.code).toBe(0);
  });
});

describe('the outDir check in resolveConfig (what isr serve loads too)', () => {
  const site = configRoot('views');

  const refusal = (user: Record<string, unknown>, outDir?: string): string => {
    try {
      site.resolve({ templatesDir: 'views', routes: [{ path: '/', template: 'page.eta' }], ...user }, { outDir });
    } catch (err) {
      if (err instanceof IsrError && err.exitCode === 3) return err.toLine();
      throw err;
    }
    return 'accepted';
  };

  it('refuses outDir "." from the config file too', () => {
    expect(refusal({ outDir: '.' })).toMatch(/^isr\.config\.mjs: outDir "\.": the output folder would contain the site root/);
  });
  it('refuses an outDir above the site root', () => {
    expect(refusal({}, '..')).toMatch(/^isr\.config\.mjs: --out \.\.: the output folder would contain the site root/);
  });
  it('refuses an outDir holding a files() content folder named anywhere', () => {
    expect(refusal({ outDir: 'site', sources: { docs: files({ dir: 'site/docs' }) } })).toMatch(/the content folder site\/docs/);
  });
  it('refuses a manifest inside outDir, however it is spelled', () => {
    expect(refusal({ outDir: './www/', manifest: 'www/../www/state/m.json' })).toMatch(
      /^isr\.config\.mjs: manifest "www\/state\/m\.json": it is inside the output folder/,
    );
  });
  it('accepts sibling folders whose names start alike', () => {
    expect(refusal({ outDir: 'views-out', manifest: 'dist-state/m.json', sources: { docs: files({ dir: 'distdocs' }) } }, 'dist')).toBe(
      'accepted',
    );
  });
});
