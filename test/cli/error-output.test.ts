import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

/**
 * What the real CLI prints for an expected error, for a user's error inside a page, and for a
 * bug: one line and the catalogue's exit status; the page's failure; a stack and exit 70.
 */
const T0 = '2026-06-01T00:00:00Z';

let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

/** A one-route site whose load() is `load` (source text). */
async function siteWithLoad(load: string): Promise<TempSite> {
  const s = await tempSite('blog');
  await s.write(
    'isr.config.mjs',
    `import { defineConfig } from 'static-isr';
export default defineConfig({ routes: [{ path: '/', template: 'index.eta', load: ${load} }] });
`,
  );
  await s.write('templates/index.eta', '<p><%= it.title %></p>\n');
  return s;
}

describe('error output of the CLI', () => {
  it('an input error is one line with its code, and the stack only with --debug', async () => {
    site = await siteWithLoad('() => ({ props: { title: "x" } })');
    await site.write('templates/index.eta', '<p><%= it.title </p>\n');
    const plain = await site.run(['build'], { now: T0 });
    expect(plain.code).toBe(4);
    expect(plain.stderr).toMatch(/^isr: templates\/index\.eta:1: template syntax error: .+ \[TEMPLATE_SYNTAX\]\n$/);

    const debug = await site.run(['build', '--debug'], { now: T0 });
    expect(debug.code).toBe(4);
    const [line, ...stack] = debug.stderr.trimEnd().split('\n');
    expect(line).toBe(plain.stderr.trimEnd());
    expect(stack[0]).toMatch(/^IsrError: template syntax error/);
    expect(stack.slice(1).some((l) => /^\s+at /.test(l))).toBe(true);
  });

  it("a load() error worded like one of isr's own bugs fails its page, not the whole run", async () => {
    site = await siteWithLoad('() => { throw new Error("Invariant: the price is below zero"); }');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/: Invariant: the price is below zero');
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('a value isr did not expect to be thrown is printed as a bug: a stack, exit 70', async () => {
    site = await tempSite('blog');
    await site.write(
      'isr.config.mjs',
      `export default { get routes() { throw new TypeError('a getter that breaks'); } };
`,
    );
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/^isr: internal error \(please report it\): TypeError: a getter that breaks\n\s+at /);
  });
});
