import type { Revalidate } from '../types.js';

/**
 * The Cache-Control of an ISR page, shared by `_headers` and `isr serve`. Browsers always
 * revalidate (max-age=0); shared caches (CDNs) may keep the page for its revalidate window
 * (s-maxage) and serve it stale while fetching a new one, so a CDN never holds a page longer than
 * one cycle past its window. `revalidate: false` pages are long-lived at the CDN.
 */
export function cacheControl(revalidate: Revalidate): string {
  if (revalidate === false) return 'public, max-age=0, s-maxage=31536000, must-revalidate';
  const s = Math.max(1, Math.floor(revalidate));
  return `public, max-age=0, s-maxage=${s}, stale-while-revalidate=${s}`;
}
