/**
 * Markdown that knows its file (issue 21 item 3): what the `files` source renders each file
 * with, as markdown-it's `env`, and the rules that use it. Relative links to other content files
 * become their pages' URLs, and links to files beside the page (images) the URLs they are
 * published at; a link to a file that is not there is a warning naming both files.
 *
 * How a content file maps to its page URL (the README says it the same way): its entry id, one
 * folder per segment, a directory page. `index` / `_index` files are their folder's page
 * (Hugo's sections and bundles). With `files({ url: '/docs/' })` the folder's pages live under
 * that URL (`guide/install.md` → `/docs/guide/install/`, front matter `permalink` or `url` wins),
 * links are written absolute (with the base path) and the folder's other files are published
 * beside them (`guide/img/a.png` → `/docs/guide/img/a.png`). Without `url`, isr knows no place
 * for the folder: a link to another content file is written relative, on the assumption that
 * the pages mirror the folder (`../usage/`: right for one route filled with the id under any
 * prefix), and links to other files are left as written.
 */
import path from 'node:path';
import { withBase } from '../config/base-path.js';

/** What the `files` source passes to markdown-it as `env` for each file (a plugin may read it). */
export interface MarkdownEnv {
  /** The file, relative to the site root: `content/guide/install.md`. */
  file: string;
  /** Its entry id: `guide/install`. */
  id: string;
  /** Its page's site path when the source knows it (`files({ url })`): `/docs/guide/install/`. */
  url?: string;
  /**
   * The href isr writes for a link found in this file (`../usage.md#options`), or undefined to
   * leave it as written. Used by isr's own link rule; a plugin may call it too.
   */
  resolveLink?(href: string): string | undefined;
}

export interface LinkContext {
  /** The content folder relative to the site root (`content`, `.` for the root itself). */
  dirRel: string;
  /** `files({ url })`, normalised to start and end with "/", or undefined. */
  url: string | undefined;
  base: string;
  /** Is this folder-relative path a content file of the source (an entry)? */
  isContent(rel: string): boolean;
  /** Does this folder-relative file exist? */
  exists(rel: string): boolean;
  /** The front matter of a content file (for its `permalink`), folder-relative path. */
  dataOf(rel: string): Record<string, any> | undefined;
  warn(message: string): void;
}

/** A URL with a scheme, protocol-relative, site-absolute, or only a fragment/query: not a file link. */
const NOT_RELATIVE = /^(?:[a-z][a-z0-9+.-]*:|\/|#|\?)/i;

/** The folders of an entry's page: `guide/install` → [guide, install]; `guide/_index` → [guide]. */
export function pageSegments(id: string): string[] {
  const segs = id.split('/').filter(Boolean);
  if (segs.length && (segs.at(-1) === 'index' || segs.at(-1) === '_index')) segs.pop();
  return segs;
}

/** The site path of an entry's page under `url` (front matter `permalink` or `url` wins). */
export function entryUrl(url: string, id: string, data: Record<string, any>): string {
  for (const own of [data.permalink, data.url]) if (typeof own === 'string' && own.startsWith('/')) return own;
  const segs = pageSegments(id);
  return segs.length ? `${url}${segs.map(encodeURIComponent).join('/')}/` : url;
}

/** The env of one file: what its links resolve against. */
/**
 * The env of one file: what its links resolve against. `linked` is told every content file a
 * link points to, there or not (folder-relative): the source records it as the page's
 * dependency, so a page linking to a file renders again when that file is deleted, added or
 * given another permalink, not only the pages that list the folder.
 */
export function markdownEnv(
  ctx: LinkContext,
  file: string,
  id: string,
  data: Record<string, any>,
  linked?: (rel: string) => void,
): MarkdownEnv {
  const env: MarkdownEnv = { file, id };
  if (ctx.url) env.url = entryUrl(ctx.url, id, data);
  env.resolveLink = (href) => resolveLink(ctx, env, href, linked);
  return env;
}

function resolveLink(ctx: LinkContext, env: MarkdownEnv, href: string, linked?: (rel: string) => void): string | undefined {
  if (!href || NOT_RELATIVE.test(href)) return undefined;
  const cut = href.search(/[?#]/);
  const target = cut < 0 ? href : href.slice(0, cut);
  const suffix = cut < 0 ? '' : href.slice(cut);
  if (!target) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return undefined;
  }
  const fromDir = path.posix.dirname(env.file.slice(ctx.dirRel === '.' ? 0 : ctx.dirRel.length + 1));
  const rel = path.posix.normalize(path.posix.join(fromDir, decoded));
  // Outside the content folder: not the source's to say (a link up to the repository, say).
  if (rel.startsWith('../') || rel === '..') return undefined;
  const content = ctx.isContent(rel);
  if (content) linked?.(rel);
  if (!content && !ctx.url) return undefined;
  if (!ctx.exists(rel)) {
    const shown = ctx.dirRel === '.' ? rel : `${ctx.dirRel}/${rel}`;
    ctx.warn(`${env.file} links to ${target}, but ${shown} does not exist (the link is left as written)`);
    return undefined;
  }
  if (!content) return withBase(ctx.base, `${ctx.url}${rel.split('/').map(encodeURIComponent).join('/')}`) + suffix;
  const id = rel.replace(/\.[^./]+$/, '');
  if (ctx.url) return withBase(ctx.base, entryUrl(ctx.url, id, ctx.dataOf(rel) ?? {})) + suffix;
  return relativeUrl(pageSegments(env.id), pageSegments(id)) + suffix;
}

/** From the page of folders `from` to the page of folders `to`, both directory pages. */
function relativeUrl(from: string[], to: string[]): string {
  let common = 0;
  while (common < from.length && common < to.length && from[common] === to[common]) common++;
  const up = '../'.repeat(from.length - common);
  const down = to
    .slice(common)
    .map((s) => `${encodeURIComponent(s)}/`)
    .join('');
  return up + down || './';
}

/**
 * markdown-it rules: hrefs and image sources through `env.resolveLink`, and fence info strings
 * in mdBook's form (`rust,ignore`) read as the language and its attributes (`language-rust`).
 */
export function linkRules(md: any, rewriteLinks: boolean): void {
  md.core.ruler.push('isr_links', (state: any) => {
    const env = state.env as MarkdownEnv | undefined;
    for (const token of state.tokens) {
      if (token.type === 'fence') token.info = fenceInfo(token.info);
      if (!rewriteLinks || !env?.resolveLink || token.type !== 'inline' || !token.children) continue;
      for (const child of token.children) {
        const attr = child.type === 'link_open' ? 'href' : child.type === 'image' ? 'src' : undefined;
        const value = attr && child.attrGet(attr);
        if (!value) continue;
        const to = env.resolveLink(value);
        if (to !== undefined) child.attrSet(attr, to);
      }
    }
  });
}

/** `rust,ignore` → `rust ignore`: markdown-it takes the first word as the language. */
export function fenceInfo(info: string): string {
  const m = /^([^\s,]+),(\S*)(.*)$/s.exec(info);
  return m ? `${m[1]} ${m[2]}${m[3]}` : info;
}

/**
 * Heading ids as GitHub and mdBook write them (what `#fragment` links in READMEs and books
 * expect): lower case, punctuation dropped, spaces to hyphens. markdown-it-anchor's default keeps
 * punctuation percent-encoded, which no such link matches.
 */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
