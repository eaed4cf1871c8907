import { describe, expect, it } from 'vitest';
import { IsrError } from '../../src/errors.js';
import { pageParams, paginate } from '../../src/pages/paginate.js';

const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => ({ id }));

describe('paginate', () => {
  it('gives a page its slice, its number, the page count and its neighbours', () => {
    expect(paginate(seven, { perPage: 3, page: 2 })).toEqual({
      items: [{ id: 'd' }, { id: 'e' }, { id: 'f' }],
      page: 2,
      pages: 3,
      total: 7,
      perPage: 3,
      prev: 1,
      next: 3,
    });
  });

  it('has no previous page on page 1 and no next page on the last, which may be short', () => {
    expect(paginate(seven, { perPage: 3 })).toMatchObject({ page: 1, prev: null, next: 2 });
    expect(paginate(seven, { perPage: 3, page: 3 })).toMatchObject({ items: [{ id: 'g' }], prev: 2, next: null });
  });

  it('hands out the very entries given (a page depends on the entries it shows, found by identity)', () => {
    const p = paginate(seven, { perPage: 3, page: 3 })!;
    expect(p.items[0]).toBe(seven[6]);
  });

  it('takes the page number from a route param written the canonical way only', () => {
    expect(paginate(seven, { perPage: 3, page: '3' })?.page).toBe(3);
    for (const page of ['03', '3.0', '', ' 3', '-1', '0', 'x', 0, -1, 1.5, Number.NaN]) {
      expect(paginate(seven, { perPage: 3, page }), String(page)).toBeUndefined();
    }
  });

  it('answers undefined past the last page (for load() to say notFound)', () => {
    expect(paginate(seven, { perPage: 3, page: 4 })).toBeUndefined();
    expect(paginate(seven, { perPage: 7, page: 2 })).toBeUndefined();
  });

  it('keeps a first page for an empty list, so a blog with no posts still has its index', () => {
    expect(paginate([], { perPage: 10 })).toEqual({ items: [], page: 1, pages: 1, total: 0, perPage: 10, prev: null, next: null });
    expect(paginate([], { perPage: 10, page: 2 })).toBeUndefined();
  });

  it('refuses a list that is not an array (a forgotten await), naming what it got', () => {
    expect(() => paginate(Promise.resolve([]) as unknown as unknown[], { perPage: 3 })).toThrow(
      'paginate: expected an array of entries, got a Promise (a missing await?)',
    );
    expect(() => paginate({ length: 2 } as unknown as unknown[], { perPage: 3 })).toThrow(
      'paginate: expected an array of entries, got an object',
    );
    expect(() => pageParams(undefined as unknown as unknown[], { perPage: 3 })).toThrow(
      'paginate: expected an array of entries or a count, got undefined',
    );
    expect(() => pageParams(-1, { perPage: 3 })).toThrow('got number -1');
  });

  it('refuses a perPage that is not a whole number >= 1, naming it', () => {
    for (const perPage of [0, -2, 2.5, Number.NaN, '10', undefined]) {
      const run = () => paginate(seven, { perPage: perPage as number });
      expect(run).toThrow(IsrError);
      expect(run).toThrow(/^paginate: perPage must be a whole number >= 1, got /);
    }
  });
});

describe('pageParams', () => {
  it('lists pages 2..n for paths() by default (page 1 lives at the listing URL)', () => {
    expect(pageParams(seven, { perPage: 3 })).toEqual([{ n: '2' }, { n: '3' }]);
    expect(pageParams(6, { perPage: 3 })).toEqual([{ n: '2' }]);
    expect(pageParams(3, { perPage: 3 })).toEqual([]);
  });

  it('agrees with paginate on which pages exist', () => {
    for (let total = 0; total <= 12; total++) {
      const items = Array.from({ length: total }, (_, i) => i);
      const listed = pageParams(items, { perPage: 4, from: 1 }).map((p) => p.n);
      expect(listed.every((n) => paginate(items, { perPage: 4, page: n }) !== undefined)).toBe(true);
      expect(paginate(items, { perPage: 4, page: listed.length + 1 })).toBeUndefined();
    }
  });

  it('names the param and the first page as asked', () => {
    expect(pageParams(5, { perPage: 2, param: 'page', from: 1 })).toEqual([{ page: '1' }, { page: '2' }, { page: '3' }]);
    expect(() => pageParams(5, { perPage: 2, from: 0 })).toThrow(/from must be a whole number >= 1, got 0/);
    expect(() => pageParams(5, { perPage: 0 })).toThrow(/perPage must be/);
  });
});
