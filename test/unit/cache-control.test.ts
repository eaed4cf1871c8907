import { describe, expect, it } from 'vitest';
import { cacheControl } from '../../src/write/cache-control.js';

describe('Cache-Control of a page', () => {
  it('lets a CDN keep a page for its revalidate window and serve it stale for one more', () => {
    expect(cacheControl(60)).toBe('public, max-age=0, s-maxage=60, stale-while-revalidate=60');
    expect(cacheControl(3600)).toBe('public, max-age=0, s-maxage=3600, stale-while-revalidate=3600');
  });

  it('rounds fractional seconds down and never goes below one second', () => {
    expect(cacheControl(90.9)).toBe('public, max-age=0, s-maxage=90, stale-while-revalidate=90');
    expect(cacheControl(0.5)).toBe('public, max-age=0, s-maxage=1, stale-while-revalidate=1');
  });

  it('makes a revalidate-false page long-lived at the CDN but always revalidated by browsers', () => {
    expect(cacheControl(false)).toBe('public, max-age=0, s-maxage=31536000, must-revalidate');
  });
});
