import { rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = '2026-06-01T00:00:00Z';

describe('config files', () => {
  let site: TempSite;
  beforeAll(async () => {
    site = await tempSite('ts-site');
  });
  afterAll(() => site.cleanup());

  it('loads isr.config.ts through jiti (types, interfaces, typed helpers)', async () => {
    const r = await site.run(['build', '--json'], { now: T0 });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).written).toEqual(['index.html', '_headers']);
    expect(await listFiles(path.join(site.root, 'dist'))).toEqual(['_headers', 'index.html']);
    expect(await site.read('dist/index.html')).toBe('<h1>TS site</h1>\n<p>HELLO FROM TYPESCRIPT</p>\n');
  });

  it('points a TypeScript syntax error at its line', async () => {
    const original = await site.read('isr.config.ts');
    await site.write('isr.config.ts', original.replace("text: 'hello from TypeScript', shout: true }", "text: 'x', shout: true ;"));
    const line = (await site.read('isr.config.ts')).split('\n').findIndex((l) => l.includes('shout: true ;')) + 1;
    try {
      const r = await site.run(['build'], { now: T0 });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        new RegExp(`^isr: isr\\.config\\.ts:${line}: cannot load config: .+ \\(fix the error in the config file\\) \\[CONFIG_LOAD\\]\\n$`),
      );
    } finally {
      await site.write('isr.config.ts', original);
    }
  });

  it('loads the same config as isr.config.mjs (plain JavaScript, no jiti)', async () => {
    const ts = await site.read('isr.config.ts');
    // Strip the types by hand: what remains is the same config in JavaScript.
    const js = ts
      .replace(/, type LoadResult/, '')
      .replace(/interface Greeting \{[^}]*\}\n/, '')
      .replace('const greeting: Greeting =', 'const greeting =')
      .replace('(): LoadResult<{ greeting: Greeting }> =>', '() =>')
      .replace('(s: string): string =>', '(s) =>');
    await site.write('isr.config.mjs', js);
    await rename(path.join(site.root, 'isr.config.ts'), path.join(site.root, 'isr.config.ts.off'));
    const r = await site.run(['build', '--json', '--out', 'dist-mjs'], { now: T0 });
    expect(r.code).toBe(0);
    expect(await site.read('dist-mjs/index.html')).toBe('<h1>TS site</h1>\n<p>HELLO FROM TYPESCRIPT</p>\n');
  });
});

describe("the config's import of 'static-isr'", () => {
  let site: TempSite;
  beforeAll(async () => {
    site = await tempSite('ts-site');
  });
  afterAll(() => site.cleanup());

  // The CLI and the user's config must share one copy of isr's modules: an IsrError a plugin
  // throws is then an input error that stops the run with its code, not an unknown page failure.
  for (const ext of ['mjs', 'ts']) {
    it(`gives the CLI's own IsrError class to an isr.config.${ext}`, async () => {
      await rename(path.join(site.root, 'isr.config.ts'), path.join(site.root, 'isr.config.off')).catch(() => {});
      await site.write(
        `isr.config.${ext}`,
        `import { defineConfig, IsrError } from 'static-isr';
export default defineConfig({
  routes: [{ path: '/', template: 'index.eta', load: () => { throw new IsrError('BAD_LOAD_RESULT', 'the CMS sent no title', { hint: 'add a title' }); } }],
});
`,
      );
      try {
        const r = await site.run(['build'], { now: T0 });
        expect(r.stderr).toBe('isr: the CMS sent no title (add a title) [BAD_LOAD_RESULT]\n');
        expect(r.code).toBe(5); // EXIT.input: the run stopped, nothing published
        expect(await listFiles(path.join(site.root, 'dist')).catch(() => [])).toEqual([]);
      } finally {
        await rename(path.join(site.root, `isr.config.${ext}`), path.join(site.root, `isr.config.${ext}.off`));
      }
    });
  }
});
