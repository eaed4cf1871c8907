/**
 * A conditional PUT whose answer is lost after the server applied it: the retry gets 412, and the
 * store must tell "my own write landed" from "another writer was first" (real Ceph RGW; the lost
 * answer is a fetch that sends the request and then throws).
 */
import { afterEach, expect, it } from 'vitest';
import type { SiteStore } from '../../src/store/store.js';
import { describeS3, emptyStore, testSiteStore } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describeS3('S3 store: a conditional write whose answer was lost (Ceph RGW)', () => {
  let s: SiteStore | undefined;
  afterEach(async () => {
    if (s) await emptyStore(s);
  });

  /** A fetch that loses the answer of each conditional PUT's first try (the server has applied it). */
  function losingFetch(): typeof fetch {
    const seen = new Set<string>();
    return async (input, init) => {
      const res = await fetch(input, init);
      const h = new Headers(init?.headers);
      const write = `${String(input)} ${h.get('if-match') ?? h.get('if-none-match')} ${h.get('content-md5')}`;
      if (init?.method === 'PUT' && (h.has('if-match') || h.has('if-none-match')) && !seen.has(write)) {
        seen.add(write);
        await res.arrayBuffer();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return res;
    };
  }

  it('takes its own applied write as done, ifAbsent and ifVersion alike', async () => {
    s = testSiteStore({ label: 'lost', fetch: losingFetch() });
    const v1 = await s.state.put('head.json', bytes('one'), { if: { ifAbsent: true } });
    expect(new TextDecoder().decode((await s.state.get('head.json'))!.body)).toBe('one');
    const v2 = await s.state.put('head.json', bytes('two'), { if: { ifVersion: v1 } });
    expect(v2).not.toBe(v1);
    expect((await s.state.head('head.json'))!.version).toBe(v2);
  });

  it('still refuses when another writer was first', async () => {
    s = testSiteStore({ label: 'lost-other' });
    const v1 = await s.state.put('head.json', bytes('one'));
    await s.state.put('head.json', bytes('theirs'), { if: { ifVersion: v1 } });
    await expect(s.state.put('head.json', bytes('mine'), { if: { ifVersion: v1 } })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });
});
