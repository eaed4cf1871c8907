import { IsrError } from '../errors.js';
import type { Params } from '../types.js';

/** One page of a list, as `paginate()` returns it: what a listing template needs. */
export interface Pagination<T> {
  /** The entries this page shows (the very objects given, so the page depends on these only). */
  items: T[];
  /** This page's number, from 1. */
  page: number;
  /** How many pages there are (at least 1: an empty list still has its first page). */
  pages: number;
  /** How many entries there are on all pages. */
  total: number;
  perPage: number;
  /** The previous page's number, or null on the first page. */
  prev: number | null;
  /** The next page's number, or null on the last page. */
  next: number | null;
}

export interface PaginateOptions {
  /** Entries per page: a whole number >= 1. */
  perPage: number;
  /**
   * The page wanted: a number, or a route param such as `params.n`. Default 1. A string must be
   * written the canonical way (`'2'`, not `'02'` or `'2.0'`), so one page has one URL.
   */
  page?: number | string;
}

/**
 * The slice of `items` one page of a listing shows, with its page count and neighbours; or
 * `undefined` when there is no such page (out of range or not a page number), for `load()` to
 * answer `{ notFound: true }`.
 *
 * `items` are returned as they are, not copied: a page's tags come from the source entries
 * found in its props, so a page showing entries 11–20 depends on those ten (plus the listing
 * its `load()` read, so a new entry that shifts the pages re-renders them), not on all of them.
 * Keep the whole list out of the props for the same reason.
 */
export function paginate<T>(items: readonly T[], options: PaginateOptions): Pagination<T> | undefined {
  if (!Array.isArray(items)) throw usage(`expected an array of entries, got ${describe(items)}`);
  const perPage = checkPerPage(options?.perPage);
  const page = pageNumber(options.page ?? 1);
  const pages = pageCount(items.length, perPage);
  if (page === undefined || page > pages) return undefined;
  const start = (page - 1) * perPage;
  return {
    items: items.slice(start, start + perPage),
    page,
    pages,
    total: items.length,
    perPage,
    prev: page > 1 ? page - 1 : null,
    next: page < pages ? page + 1 : null,
  };
}

export interface PageParamsOptions {
  perPage: number;
  /** The route param that holds the page number. Default `'n'` (as in `/blog/page/:n/`). */
  param?: string;
  /**
   * The first page number to list. Default 2: page 1 usually lives at the listing's own URL
   * (`/blog/`), and `/blog/page/1/` would be the same page twice.
   */
  from?: number;
}

/**
 * The params of a paginated route's pages, for its `paths()`: with 7 entries and `perPage: 3`,
 * `[{ n: '2' }, { n: '3' }]`.
 */
export function pageParams(items: readonly unknown[] | number, options: PageParamsOptions): Params[] {
  const perPage = checkPerPage(options?.perPage);
  const param = options.param ?? 'n';
  const from = options.from ?? 2;
  if (!Number.isInteger(from) || from < 1) throw usage(`from must be a whole number >= 1, got ${show(from)}`);
  const total = typeof items === 'number' ? items : Array.isArray(items) ? items.length : NaN;
  if (!Number.isInteger(total) || total < 0) throw usage(`expected an array of entries or a count, got ${describe(items)}`);
  const out: Params[] = [];
  for (let n = from; n <= pageCount(total, perPage); n++) out.push({ [param]: String(n) });
  return out;
}

function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

function pageNumber(page: number | string): number | undefined {
  if (typeof page === 'number') return Number.isInteger(page) && page >= 1 ? page : undefined;
  return typeof page === 'string' && /^[1-9][0-9]{0,8}$/.test(page) ? Number(page) : undefined;
}

function checkPerPage(perPage: unknown): number {
  if (typeof perPage !== 'number' || !Number.isInteger(perPage) || perPage < 1) {
    throw usage(`perPage must be a whole number >= 1, got ${show(perPage)}`);
  }
  return perPage;
}

// A wrong option is a mistake in the site's config code, found at the first page that runs it.
function usage(problem: string): IsrError {
  return new IsrError('BAD_LOAD_RESULT', `paginate: ${problem}`, { hint: 'e.g. paginate(posts, { perPage: 10, page: params.n })' });
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof (v as { then?: unknown }).then === 'function') return 'a Promise (a missing await?)';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${show(v)}`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
