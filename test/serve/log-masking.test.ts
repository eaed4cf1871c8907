import { afterEach, describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/serve/mask-secret.js';
import { request, type ServedSite, serveFixture } from './helpers.js';

const SECRET = 'bounds-secret';

describe('maskUrl', () => {
  it('masks every parameter whose decoded name is "secret", in any case or encoding', () => {
    expect(maskUrl('/__isr/revalidate?secret=abc', SECRET)).toBe('/__isr/revalidate?secret=***');
    expect(maskUrl('/__isr/revalidate?%73ecret=abc', SECRET)).toBe('/__isr/revalidate?%73ecret=***');
    expect(maskUrl('/__isr/revalidate?SECRET=x&secret=abc&Secret=y', SECRET)).toBe('/__isr/revalidate?SECRET=***&secret=***&Secret=***');
    expect(maskUrl('/x?a=1&sec%72et=abc&b=2', SECRET)).toBe('/x?a=1&sec%72et=***&b=2');
    expect(maskUrl('/x?secret', SECRET)).toBe('/x?secret=***');
  });

  it('masks the secret value wherever it is: another parameter, its name, the path, encoded or not', () => {
    expect(maskUrl(`/x?token=${SECRET}&page=2`, SECRET)).toBe('/x?token=***&page=2');
    expect(maskUrl('/x?token=bounds%2Dsecret', SECRET)).toBe('/x?token=***');
    expect(maskUrl('/x?token=pre+bounds-secret+post', 'bounds-secret post')).toBe('/x?token=***');
    expect(maskUrl(`/x?${SECRET}=1`, SECRET)).toBe('/x?***');
    expect(maskUrl(`/docs/${SECRET}/`, SECRET)).toBe('/docs/***/');
    expect(maskUrl('/docs/%62ounds-secret/', SECRET)).toBe('/docs/***/');
    // A secret holding a separator cannot hide by being split across parts.
    expect(maskUrl('/x?a=1&b=2', '1&b')).toBe('/x?***');
    expect(maskUrl('/a/b/c', 'a/b')).toBe('/***');
  });

  it('leaves a URL without the secret as it is', () => {
    expect(maskUrl('/blog/x/?page=2&q=a%20b', SECRET)).toBe('/blog/x/?page=2&q=a%20b');
    expect(maskUrl('/blog/x/', undefined)).toBe('/blog/x/');
  });
});

describe('isr serve --log never holds the webhook secret', () => {
  let s: ServedSite;
  let lines: string[];
  afterEach(() => s?.close());

  const post = (p: string) =>
    request(s.server.url, p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/' }) });
  /** The access-log line of a request is written when its response closes: wait for the count. */
  const logged = async (n: number) => {
    while (lines.length < n) await new Promise((r) => setImmediate(r));
    return lines;
  };

  it('accepts only ?secret= by its exact name, and masks every spelling in the log', async () => {
    lines = [];
    s = await serveFixture('serve-bounds', { accessLog: (l) => lines.push(l) });
    // An encoded or differently cased name is not the secret parameter: refused.
    expect((await post(`/__isr/revalidate?%73ecret=${SECRET}`)).status).toBe(401);
    expect((await post(`/__isr/revalidate?SECRET=${SECRET}`)).status).toBe(401);
    // A decoy before the real one: accepted (exact name), and neither value reaches the log.
    expect((await post(`/__isr/revalidate?SECRET=decoy&secret=${SECRET}`)).status).toBe(200);
    expect((await s.get(`/any/${SECRET}/?token=${SECRET}`)).status).toBe(200);
    const log = (await logged(4)).join('\n');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain('decoy');
    expect(lines[0]).toBe(`POST /__isr/revalidate?%73ecret=*** 401 - ${lines[0]!.split(' ').at(-1)}`);
    expect(lines[2]).toMatch(/^POST \/__isr\/revalidate\?SECRET=\*\*\*&secret=\*\*\* 200 /);
    expect(lines[3]).toMatch(/^GET \/any\/\*\*\*\/\?token=\*\*\* 200 MISS /);
  });
});
