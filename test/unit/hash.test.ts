import { describe, expect, it } from 'vitest';
import { hash, hashJson, stableStringify } from '../../src/hash.js';

describe('content hashes', () => {
  it('are 16 base64url characters and depend only on the content', () => {
    expect(hash('hello')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(hash('hello')).toBe(hash(Buffer.from('hello')));
    expect(hash('hello')).not.toBe(hash('hello!'));
  });

  it('are the first 16 base64url characters of SHA-1 (the manifests already written depend on it)', () => {
    expect(hash('hello')).toBe('qvTGHdzF6KLavt4P');
    expect(hash('héllo — ✓')).toBe('KCyzMU4_SeulrDJI');
    expect(hash(Buffer.from('héllo — ✓'))).toBe('KCyzMU4_SeulrDJI');
  });

  it('do not change with object key order, at any depth', () => {
    const a = { title: 'x', meta: { tags: ['a', 'b'], date: '2026-01-01' }, n: 1 };
    const b = { n: 1, meta: { date: '2026-01-01', tags: ['a', 'b'] }, title: 'x' };
    expect(hashJson(a)).toBe(hashJson(b));
    expect(stableStringify(b)).toBe('{"meta":{"date":"2026-01-01","tags":["a","b"]},"n":1,"title":"x"}');
  });

  it('change with array order and with any value', () => {
    expect(hashJson({ tags: ['a', 'b'] })).not.toBe(hashJson({ tags: ['b', 'a'] }));
    expect(hashJson({ price: 1 })).not.toBe(hashJson({ price: 2 }));
    expect(hashJson({ price: 1 })).not.toBe(hashJson({ price: '1' }));
  });

  it('hash a Date as its ISO string', () => {
    expect(hashJson({ d: new Date(0) })).toBe(hashJson({ d: '1970-01-01T00:00:00.000Z' }));
  });

  it('hash undefined without throwing', () => {
    expect(hashJson(undefined)).toBe(hash('undefined'));
  });

  it('let the visitor see every object by identity (how listing pages find source entries)', () => {
    const entry = { id: 'a' };
    const seen: object[] = [];
    stableStringify({ posts: [entry, { id: 'b' }], entry }, (v) => seen.push(v));
    expect(seen.filter((v) => v === entry)).toHaveLength(2);
    expect(seen).toHaveLength(5); // root, posts array, entry (twice), { id: 'b' }
  });
});
