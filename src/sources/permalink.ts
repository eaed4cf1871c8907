import { parseDate, zonedParts } from '../dates.js';
import { IsrError } from '../errors.js';
import type { EntryIdentity } from './entry-id.js';

/**
 * An entry's URL: the source's `permalink` pattern, or the entry's own front matter `permalink`
 * (Jekyll) or `url` (Hugo), with placeholders filled: `:path` (the id; a folder's index gives the
 * folder), `:slug`, `:title` (Jekyll's name for the slug), `:section` (first folder), and from
 * the entry's date in the site's time zone `:year`, `:month`, `:day`, `:i_month`, `:i_day`.
 * The result is a site path (no base path), checked to stay inside the site.
 */

export const DEFAULT_PERMALINK = '/:path/';
const PLACEHOLDER = /:(path|slug|title|section|year|month|day|i_month|i_day)\b/g;

export interface UrlContext {
  identity: EntryIdentity;
  data: Record<string, unknown>;
  /** Path of the file relative to the site root (errors). */
  file: string;
  /** The source's pattern. */
  pattern: string;
  timeZone: string;
  /** The file's text, to give the line of the key at fault (read again only when there is one). */
  text: () => string;
  /**
   * False for a JSON or YAML data file: its `url`, `permalink` or `aliases` keys are its data (an
   * author's website), not where a page goes.
   */
  pageKeys: boolean;
}

/** The URL of an entry; throws FRONT_MATTER (at the key's line) for one that leaves the site. */
export function entryUrl(ctx: UrlContext): string {
  // Hugo's `url` is a path; one that is not (`url: https://…`, a link post) is the page's data.
  const own = !ctx.pageKeys
    ? undefined
    : typeof ctx.data.permalink === 'string'
      ? 'permalink'
      : typeof ctx.data.url === 'string' && ctx.data.url.startsWith('/')
        ? 'url'
        : undefined;
  const pattern = own ? (ctx.data[own] as string) : ctx.pattern;
  const filled = fill(pattern, ctx, own);
  const problem = sitePathProblem(filled);
  if (problem) throw badKey(ctx, own, `${own ?? 'permalink'} ${JSON.stringify(pattern)} gives ${JSON.stringify(filled)}, which ${problem}`);
  return filled;
}

/** `aliases` (Hugo) or `redirect_from` (Jekyll), as site paths; throws for one that leaves the site. */
export function entryAliases(ctx: UrlContext): string[] {
  const key = ctx.data.aliases !== undefined ? 'aliases' : ctx.data.redirect_from !== undefined ? 'redirect_from' : undefined;
  if (!key || !ctx.pageKeys) return [];
  const raw = ctx.data[key];
  const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
  if (!list?.every((a) => typeof a === 'string'))
    throw badKey(ctx, key, `${key} must be a path or a list of paths, found ${JSON.stringify(raw)}`);
  return list.map((a: string) => {
    // Hugo's aliases may be written relative ("old-name"): relative to the site root here.
    const p = a.startsWith('/') ? a : `/${a}`;
    const withSlash = /\.[A-Za-z0-9]+$/.test(p) || p.endsWith('/') ? p : `${p}/`;
    const problem = sitePathProblem(withSlash);
    if (problem) throw badKey(ctx, key, `${key} entry ${JSON.stringify(a)} ${problem}`);
    return withSlash;
  });
}

function fill(pattern: string, ctx: UrlContext, own: string | undefined): string {
  const { identity } = ctx;
  let date: ReturnType<typeof zonedParts> | undefined;
  const dateParts = () => {
    if (date) return date;
    const d = parseDate(ctx.data.date ?? identity.date, ctx.timeZone);
    if (!d) throw badKey(ctx, own, `${own ?? 'permalink'} ${JSON.stringify(pattern)} uses the date, and the entry has none`);
    date = zonedParts(d, ctx.timeZone);
    return date;
  };
  const pad = (n: number) => String(n).padStart(2, '0');
  const out = pattern.replace(PLACEHOLDER, (_m, name: string) => {
    switch (name) {
      case 'path':
        return identity.id;
      case 'slug':
      case 'title':
        return identity.slug;
      case 'section':
        return identity.id.includes('/') ? identity.id.slice(0, identity.id.indexOf('/')) : '';
      case 'year':
        return String(dateParts().year);
      case 'month':
        return pad(dateParts().month);
      case 'day':
        return pad(dateParts().day);
      case 'i_month':
        return String(dateParts().month);
      default:
        return String(dateParts().day);
    }
  });
  // An empty placeholder (the top folder's :path) leaves "//": one slash, so `/:path/` of the home is "/".
  const collapsed = out.replace(/\/{2,}/g, '/');
  return /\.[A-Za-z0-9]+$/.test(collapsed) || collapsed.endsWith('/') ? collapsed : `${collapsed}/`;
}

/** Why a path cannot be a page of this site, or undefined when it can. */
export function sitePathProblem(p: string): string | undefined {
  if (!p.startsWith('/') || p.startsWith('//')) return 'is not a path inside the site (start it with one "/")';
  if (/[\\?#]/.test(p)) return 'contains "\\", "?" or "#"';
  if (/[\0-\x1f]/.test(p)) return 'contains a control character';
  if (p.split('/').some((seg) => seg === '.' || seg === '..')) return 'has a "." or ".." segment, which would leave its folder';
  return undefined;
}

function badKey(ctx: UrlContext, key: string | undefined, message: string): IsrError {
  let line: number | undefined;
  if (key) {
    const text = ctx.text();
    const at = new RegExp(`^["']?${key}["']?\\s*[:=]`, 'm').exec(text);
    if (at) line = text.slice(0, at.index).split('\n').length;
  }
  return new IsrError('FRONT_MATTER', message, {
    file: ctx.file,
    line,
    hint: key ? `give ${key} a path inside the site, e.g. "/guides/install/"` : 'fix the permalink option of files()',
  });
}
