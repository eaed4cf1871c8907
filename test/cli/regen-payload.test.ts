/**
 * `isr regen --payload`: a saved Contentful webhook (as a CI job gets it from a repository
 * dispatch) through the same mapper and request verification as `isr serve`'s webhook, with no
 * server running. Exit 2 for a flag whose file is unreadable or misshapen, 5 for a payload that
 * is refused (malformed, wrong signature, stale timestamp); a refused payload renders nothing.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asset, type Cda, DELIVERY_TOKEN, entry, startCda } from '../helpers/contentful-cda.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SIGNED = T0 + 1000; // a second after the fixture's requests were signed
const HERO = '1x0xpXu4pSGS4OukSyWGUK';

describe('isr regen --payload: a saved webhook payload, mapped and verified as isr serve would', () => {
  let cda: Cda;
  let site: TempSite;
  let env: Record<string, string>;
  const regen = (args: string[], o: { now?: number; input?: string } = {}) =>
    site.run(['regen', '--no-detect', ...args], { now: o.now ?? SIGNED, env, input: o.input });
  const renders = async () => (await site.read('renders.log')).split('\n').filter(Boolean);

  beforeAll(async () => {
    cda = await startCda();
    cda.entries.set(
      '5KsDBWseXY6QegucYAoacS',
      entry('5KsDBWseXY6QegucYAoacS', {
        title: 'Hallo Welt',
        slug: 'hallo-welt',
        hero: { sys: { type: 'Link', linkType: 'Asset', id: HERO } },
      }),
    );
    cda.entries.set('6rTlDRYjTKq0MuSSCEOQqM', entry('6rTlDRYjTKq0MuSSCEOQqM', { title: 'Zweiter Beitrag', slug: 'zweiter-beitrag' }));
    cda.assets.set(HERO, asset(HERO, 'Berge', `//images.ctfassets.net/space1/${HERO}/1a1b1c/berge.jpg`));
    env = {
      CDA_URL: cda.url,
      CONTENTFUL_DELIVERY_TOKEN: DELIVERY_TOKEN,
      CONTENTFUL_SIGNING_SECRET: 'isrTestSigningSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH',
    };
    site = await tempSite('contentful-site');
    const built = await site.run(['build'], { now: T0, env });
    expect(built.code, built.stderr).toBe(0);
    await site.write('renders.log', '');
  });
  afterAll(async () => {
    await site?.cleanup();
    await cda?.close();
  });

  it('refuses unreadable or misshapen flag files with exit 2, and a refused payload with exit 5, one line each, rendering nothing', async () => {
    cda.entries.delete('5KsDBWseXY6QegucYAoacS');
    await site.write(
      'tampered.json',
      (await site.read('requests/unpublish.json')).replace('5KsDBWseXY6QegucYAoacS', '6rTlDRYjTKq0MuSSCEOQqM'),
    );
    await site.write('broken.json', '{"sys": ');
    await site.write('other.json', '{"hello": "world"}');
    await site.write('headers-bad.json', '{"headers": ["x"]}');
    const cases: [string[], number | undefined, number, RegExp][] = [
      [['--payload', 'missing.json'], undefined, 2, /^isr: --payload missing\.json: ENOENT.* \[USAGE\]$/],
      [
        ['--payload', 'requests/unpublish.json', '--payload-headers', 'headers-bad.json'],
        undefined,
        2,
        /expected an object with a "headers" object.*\[USAGE\]$/,
      ],
      [['--topic', 'ContentManagement.Entry.publish'], undefined, 2, /^isr: --topic needs --payload.*\[USAGE\]$/],
      [['--payload', 'broken.json'], undefined, 5, /^isr: body is not valid JSON: .*\[PAYLOAD_INVALID\]$/],
      [['--payload', 'other.json'], undefined, 5, /^isr: not a Contentful webhook payload: no "sys" object \[PAYLOAD_INVALID\]$/],
      [
        ['--payload', 'requests/unpublish.json', '--payload-headers', 'requests/unpublish.request.json'],
        T0 + 3_600_000,
        5,
        /^isr: x-contentful-timestamp is 3601 s old; at most 300 s either way are accepted \(tolerance\) \[PAYLOAD_UNVERIFIED\]$/,
      ],
      [
        ['--payload', 'tampered.json', '--payload-headers', 'requests/unpublish.request.json'],
        undefined,
        5,
        /^isr: x-contentful-signature does not match \(wrong signing secret, or the request was altered\) \[PAYLOAD_UNVERIFIED\]$/,
      ],
    ];
    for (const [args, now, code, line] of cases) {
      const r = await regen(args, { now });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(line);
    }
    expect(await renders()).toEqual([]);
    expect(existsSync(path.join(site.root, 'dist/blog/hallo-welt/index.html'))).toBe(true);
    cda.entries.set(
      '5KsDBWseXY6QegucYAoacS',
      entry('5KsDBWseXY6QegucYAoacS', {
        title: 'Hallo Welt',
        slug: 'hallo-welt',
        hero: { sys: { type: 'Link', linkType: 'Asset', id: HERO } },
      }),
    );
  });

  it('an event the mapper ignores exits 0 and names nothing', async () => {
    const r = await regen(['--payload', 'requests/publish.json', '--topic', 'ContentManagement.Entry.save', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rendered: [], payload: { ignored: true, reason: 'ContentManagement.Entry.save' } });
    expect(await renders()).toEqual([]);
  });

  it('a verified unpublish removes the page, and the listing drops it', async () => {
    cda.entries.delete('5KsDBWseXY6QegucYAoacS');
    const r = await regen(['--payload', 'requests/unpublish.json', '--payload-headers', 'requests/unpublish.request.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rendered).toEqual(['/blog/']); // the post rendered too, found gone: removed, not listed as rendered
    expect(out.removed).toContain('blog/hallo-welt/index.html');
    expect((await renders()).sort()).toEqual(['/blog/', '/blog/hallo-welt/']);
    expect(existsSync(path.join(site.root, 'dist/blog/hallo-welt/index.html'))).toBe(false);
    expect(await readFile(path.join(site.root, 'dist/blog/index.html'), 'utf8')).not.toContain('Hallo Welt');
  });

  it('a payload without headers (a repository dispatch) takes --topic; - reads it from stdin', async () => {
    cda.entries.set('3wtvPBbBjiMKqKKga8I2Cu', entry('3wtvPBbBjiMKqKKga8I2Cu', { title: 'Neuer Beitrag', slug: 'neuer-beitrag' }));
    const published = await regen(['--payload', 'requests/publish.json', '--topic', 'ContentManagement.Entry.publish', '--json']);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout).rendered.sort()).toEqual(['/blog/', '/blog/neuer-beitrag/']);
    expect(await site.read('dist/blog/neuer-beitrag/index.html')).toContain('Neuer Beitrag');
    // Without a topic (an empty one: the workflow's variable when the dispatch carried none), the
    // tombstone's sys.type says what happened.
    cda.entries.delete('3wtvPBbBjiMKqKKga8I2Cu');
    const tombstone = (await site.read('requests/unpublish.json')).replace('5KsDBWseXY6QegucYAoacS', '3wtvPBbBjiMKqKKga8I2Cu');
    const removed = await regen(['--payload', '-', '--topic', '', '--json'], { input: tombstone });
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout).removed).toContain('blog/neuer-beitrag/index.html');
  });
});
