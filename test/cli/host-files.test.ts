import path from 'node:path';
import { parseAllHeaders } from '@netlify/headers-parser';
import { parseAllRedirects } from '@netlify/redirect-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheControl } from '../../src/write/cache-control.js';
import { readManifestJson, type TempSite, tempSite } from '../helpers/site.js';

// Issue 20 item 5: _headers and _redirects in forms each host reads correctly, checked with
// Netlify's own parsers (@netlify/headers-parser, @netlify/redirect-parser) and, for Cloudflare
// Pages, with its documented rules (a header several rules give is joined with commas unless a
// rule detaches it with `! Name`); grouped into pattern rules where the manifest shows they apply;
// warned about beyond a host's limits.
let site: TempSite;
afterEach(() => site?.cleanup());

const NOW = '2026-06-01T00:00:00Z';

async function shop(hostFiles: string, items: Record<string, Record<string, unknown>>): Promise<void> {
  site = await tempSite('shop');
  const config = await site.read('isr.config.mjs');
  await site.write('isr.config.mjs', config.replace('  revalidate: 300,\n', `  revalidate: 300,\n  hostFiles: '${hostFiles}',\n`));
  for (const id of ['apple', 'banana', 'cherry']) await site.write(`data/items/${id}.json`, JSON.stringify({ name: id, price: 1 }));
  for (const [id, data] of Object.entries(items))
    await site.write(`data/items/${id}.json`, JSON.stringify({ name: id, price: 1, ...data }));
}

/** Each page's Cache-Control as Netlify's parser and its CLI's matching (`headersForPath`: later rules win) give it. */
async function netlifyCacheControl(root: string): Promise<Map<string, string | undefined>> {
  const { headers, errors } = await parseAllHeaders({
    headersFiles: [path.join(root, 'dist/_headers')],
    configHeaders: [],
    minimal: false,
  });
  expect(errors).toEqual([]);
  const rules = headers as { forRegExp: RegExp; values: Record<string, string> }[];
  const out = new Map<string, string | undefined>();
  for (const page of await pagesWithFiles(root)) {
    const merged = Object.assign({}, ...rules.filter((r) => r.forRegExp.test(page)).map((r) => r.values));
    out.set(page, merged['Cache-Control']);
  }
  return out;
}

/** Each page's Cache-Control as Cloudflare Pages documents it: values joined unless detached. */
async function cloudflareCacheControl(root: string, text: string): Promise<Map<string, string | undefined>> {
  const rules: { re: RegExp; detach: boolean; value?: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('/')) {
      const re = new RegExp(
        `^${line
          .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
          .replace(/:\w+/g, '[^/]+')
          .replace(/\*/g, '.*')}$`,
      );
      rules.push({ re, detach: false });
    } else if (line.trim() === '! Cache-Control') rules.at(-1)!.detach = true;
    else if (line.trim().startsWith('Cache-Control:')) rules.at(-1)!.value = line.trim().slice('Cache-Control:'.length).trim();
  }
  const out = new Map<string, string | undefined>();
  for (const page of await pagesWithFiles(root)) {
    const matching = rules.filter((r) => r.re.test(page));
    const detached = matching.some((r) => r.detach);
    const values = matching.filter((r) => !detached || r.detach).map((r) => r.value);
    out.set(page, values.length ? values.join(', ') : undefined);
  }
  return out;
}

async function pagesWithFiles(root: string): Promise<string[]> {
  const m = await readManifestJson(root);
  return Object.keys(m.pages).filter((p) => m.pages[p].file);
}

async function expected(root: string): Promise<Map<string, string>> {
  const m = await readManifestJson(root);
  return new Map((await pagesWithFiles(root)).map((p) => [p, cacheControl(m.pages[p].revalidate)]));
}

describe('_headers', () => {
  it("gives every page its own revalidate's Cache-Control on Netlify (its parser) and on Cloudflare Pages (its rules)", async () => {
    await shop('netlify', { apple: { revalidate: 600 }, cherry: { revalidate: 30 } });
    expect((await site.run(['build'], { now: NOW })).code).toBe(0);
    const netlify = await site.read('dist/_headers');
    expect(netlify).not.toContain('!');
    expect(await netlifyCacheControl(site.root)).toEqual(await expected(site.root));

    await site.cleanup();
    await shop('cloudflare-pages', { apple: { revalidate: 600 }, cherry: { revalidate: 30 } });
    expect((await site.run(['build'], { now: NOW })).code).toBe(0);
    const cf = await site.read('dist/_headers');
    expect(await cloudflareCacheControl(site.root, cf)).toEqual(await expected(site.root));
    expect(await netlifyCacheControl(site.root)).toEqual(await expected(site.root));
  });

  it('puts a fixed route after a route pattern that also matches it, so its own value wins on both hosts', async () => {
    for (const host of ['netlify', 'cloudflare-pages']) {
      await site?.cleanup();
      await shop(host, {});
      const config = await site.read('isr.config.mjs');
      // Listed before the items route, whose pattern /items/:id/ matches it too.
      await site.write(
        'isr.config.mjs',
        config.replace(
          "    {\n      path: '/items/:id/',",
          "    { path: '/items/featured/', name: 'featured', template: 'about.eta', revalidate: false },\n    {\n      path: '/items/:id/',",
        ),
      );
      const r = await site.run(['build'], { now: NOW });
      expect(r.code, r.stderr).toBe(0);
      const text = await site.read('dist/_headers');
      expect(text.indexOf('/items/featured/')).toBeGreaterThan(text.indexOf('/items/:id/'));
      const want = await expected(site.root);
      expect(want.get('/items/featured/')).toBe(cacheControl(false));
      expect(await netlifyCacheControl(site.root)).toEqual(want);
      if (host === 'cloudflare-pages') expect(await cloudflareCacheControl(site.root, text)).toEqual(want);
    }
  });

  it('writes one pattern rule for a route whose pages all have the same own revalidate, and per-page rules again when one differs', async () => {
    await shop('netlify', { apple: { revalidate: 600 }, banana: { revalidate: 600 }, cherry: { revalidate: 600 } });
    expect((await site.run(['build'], { now: NOW })).code).toBe(0);
    const grouped = await site.read('dist/_headers');
    expect(grouped).toContain(`/items/:id/\n  Cache-Control: ${cacheControl(600)}\n`);
    expect(grouped).not.toContain('/items/apple/');
    expect(await netlifyCacheControl(site.root)).toEqual(await expected(site.root));

    await site.write('data/items/banana.json', JSON.stringify({ name: 'banana', price: 2 }));
    expect((await site.run(['regen', '--path', '/items/banana/'], { now: '2026-06-01T00:01:00Z' })).code).toBe(0);
    const split = await site.read('dist/_headers');
    expect(split).toContain(`/items/:id/\n  Cache-Control: ${cacheControl(300)}\n`);
    expect(split).toContain(`/items/apple/\n  Cache-Control: ${cacheControl(600)}\n`);
    expect(await netlifyCacheControl(site.root)).toEqual(await expected(site.root));
  });

  it('warns beyond Cloudflare Pages’ 100 header rules, with the way out', async () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`i${i}`, { revalidate: i % 2 ? 60 : 600 }]));
    await shop('cloudflare-pages', many);
    const r = await site.run(['build'], { now: NOW });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /_headers has 10\d rules; Cloudflare Pages reads at most 100 .*the S3 store sets each object its own Cache-Control/,
    );
  });
});

describe('_redirects', () => {
  it('forces the rule on Netlify (308!), since the stub file would shadow it, and not elsewhere', async () => {
    await shop('netlify', { cherry: { movedTo: '/items/apple/', permanent: true } });
    expect((await site.run(['build'], { now: NOW })).code).toBe(0);
    expect(await site.read('dist/_redirects')).toBe('/items/cherry/ /items/apple/ 308!\n');
    const { redirects, errors } = await parseAllRedirects({
      redirectsFiles: [path.join(site.root, 'dist/_redirects')],
      configRedirects: [],
      minimal: false,
    });
    expect(errors).toEqual([]);
    expect(redirects).toMatchObject([{ from: '/items/cherry/', to: '/items/apple/', status: 308, force: true }]);

    await site.cleanup();
    await shop('cloudflare-pages', { cherry: { movedTo: '/items/apple/', permanent: true } });
    expect((await site.run(['build'], { now: NOW })).code).toBe(0);
    expect(await site.read('dist/_redirects')).toBe('/items/cherry/ /items/apple/ 308\n');
  });
});
