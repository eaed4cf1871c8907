import { describe, expect, it } from 'vitest';
import { MAX_SHARED_GETS, SourceCache } from '../../src/sources/source-cache.js';

describe('the per-run memo of source answers', () => {
  it('makes one call per key and gives every caller its value and the tags it tracked', async () => {
    const cache = new SourceCache();
    let calls = 0;
    const call = async (track: (t: string) => void) => {
      calls++;
      track('files:content');
      return ['a'];
    };
    const [a, b] = await Promise.all([cache.answer('docs\0list', call), cache.answer('docs\0list', call)]);
    expect(await cache.answer('docs\0list', call)).toBe(a);
    expect(a).toBe(b);
    expect(a).toEqual({ value: ['a'], tags: ['files:content'] });
    expect(calls).toBe(1);
  });

  it('does not keep a call that threw', async () => {
    const cache = new SourceCache();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('timeout');
    };
    await expect(cache.answer('k', failing)).rejects.toThrow('timeout');
    await expect(cache.answer('k', failing)).rejects.toThrow('timeout');
    expect(calls).toBe(2);
  });

  it(`keeps at most ${MAX_SHARED_GETS} get answers, forgetting the least recently used`, async () => {
    const cache = new SourceCache();
    const calls = new Map<string, number>();
    const get = (id: string) =>
      cache.answer(
        `docs\0get\0${id}`,
        async () => {
          calls.set(id, (calls.get(id) ?? 0) + 1);
          return id;
        },
        { bounded: true },
      );
    await get('first');
    await get('kept');
    for (let i = 0; i < MAX_SHARED_GETS - 2; i++) await get(`p${i}`);
    await get('kept'); // used again: now the most recent
    await get('one-more'); // evicts the least recently used: 'first'
    await get('kept');
    await get('first');
    expect(calls.get('kept')).toBe(1);
    expect(calls.get('first')).toBe(2);
  });
});
