import { describe, expect, it } from 'vitest';
import type { PageEntry } from '../../src/manifest/manifest.js';
import { decideSwr } from '../../src/serve/swr.js';

const T = 1_000_000;
const page = (over: Partial<PageEntry> = {}): PageEntry => ({
  route: 'item',
  file: 'items/a/index.html',
  builtAt: T,
  changedAt: T,
  revalidate: 60,
  status: 'ok',
  ...over,
});

describe('decideSwr (the stale-while-revalidate decision)', () => {
  it('serves a page inside its window as a HIT, without regenerating', () => {
    expect(decideSwr(page(), T + 59_999)).toEqual({ action: 'serve', cache: 'HIT', regenerate: false });
  });

  it('serves a page at the end of its window as STALE and regenerates it (builtAt + revalidate*1000 <= now)', () => {
    expect(decideSwr(page(), T + 60_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: true });
    expect(decideSwr(page(), T + 3_600_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: true });
  });

  it('never regenerates a revalidate:false page on a timer', () => {
    expect(decideSwr(page({ revalidate: false }), T + 10 ** 12)).toEqual({ action: 'serve', cache: 'HIT', regenerate: false });
  });

  it('keeps serving the last good page of a failed page, retrying only once its backoff is over', () => {
    const failed = page({ status: 'error', error: 'boom', attempts: 1, retryAt: T + 120_000 });
    expect(decideSwr(failed, T + 90_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: false });
    expect(decideSwr(failed, T + 120_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: true });
  });

  it('treats a failed page still inside its window as a HIT until the retry is due', () => {
    const failed = page({ status: 'error', retryAt: T + 30_000 });
    expect(decideSwr(failed, T + 10_000)).toEqual({ action: 'serve', cache: 'HIT', regenerate: false });
    expect(decideSwr(failed, T + 30_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: true });
  });

  it('remembers a notFound for its window, then regenerates it in the background', () => {
    const gone = page({ status: 'notFound', file: undefined });
    expect(decideSwr(gone, T + 1_000)).toEqual({ action: 'serve', cache: 'HIT', regenerate: false });
    expect(decideSwr(gone, T + 60_000)).toEqual({ action: 'serve', cache: 'STALE', regenerate: true });
  });

  it('renders while the request waits when nothing good was ever published and the retry is due', () => {
    const never = page({ status: 'error', file: undefined, builtAt: 0, retryAt: T });
    expect(decideSwr(never, T)).toEqual({ action: 'render' });
  });

  it('fails fast when nothing good was ever published and the backoff is not over', () => {
    const never = page({ status: 'error', file: undefined, builtAt: 0, retryAt: T + 60_000 });
    expect(decideSwr(never, T)).toEqual({ action: 'fail', retryAt: T + 60_000 });
  });
});
