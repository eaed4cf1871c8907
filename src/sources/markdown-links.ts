/**
 * Markdown that knows its file (issue 21 item 3): what the `files` source renders each file
 * with, as markdown-it's `env`, and the rules that use it. A relative link to another content
 * file becomes that file's page URL, the `url` its entry has (permalink.ts: the source's
 * `permalink` pattern, or the target's own front matter `permalink` / `url`), written absolute
 * with the base path. With `files({ resources: true })` a link to a file beside the page (an
 * image) becomes the URL it is published at (files.ts resourceUrl); without it such links are
 * left as written. A link to a file that is not there is a warning naming both files.
 */
import path from 'node:path';
import { withBase } from '../config/base-path.js';

/** What the `files` source passes to markdown-it as `env` for each file (a plugin may read it). */
export interface MarkdownEnv {
  /** The file, relative to the site root: `content/guide/install.md`. */
  file: string;
  /** Its entry id: `guide/install`. */
  id: string;
  /** Its page's site path (the entry's `url`, no base path): `/guide/install/`. */
  url: string;
  /**
   * The href isr writes for a link found in this file (`../usage.md#options`), or undefined to
   * leave it as written. Used by isr's own link rule; a plugin may call it too.
   */
  resolveLink?(href: string): string | undefined;
}

export interface LinkContext {
  /** The content folder relative to the site root (`content`, `.` for the root itself). */
  dirRel: string;
  base: string;
  /** Is this folder-relative path a content file of the source (an entry)? */
  isContent(rel: string): boolean;
  /** `files({ resources: true })`: the folder's other files are published, so links to them are rewritten. */
  resources: boolean;
  /** Does this folder-relative file exist? */
  exists(rel: string): boolean;
  /** The page URL (site path) of a content file, folder-relative path; undefined leaves the link as written. */
  urlOf(rel: string): string | undefined;
  /** The site path a resource (folder-relative) is published at. */
  resourceUrlOf(rel: string): string;
  warn(message: string): void;
}

/** A URL with a scheme, protocol-relative, site-absolute, or only a fragment/query: not a file link. */
const NOT_RELATIVE = /^(?:[a-z][a-z0-9+.-]*:|\/|#|\?)/i;

/**
 * The env of one file: what its links resolve against. `linked` is told every content file a
 * link points to, there or not (folder-relative): the source records it as the page's
 * dependency, so a page linking to a file renders again when that file is deleted, added or
 * given another permalink, not only the pages that list the folder.
 */
export function markdownEnv(ctx: LinkContext, file: string, id: string, url: string, linked?: (rel: string) => void): MarkdownEnv {
  const env: MarkdownEnv = { file, id, url };
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
  if (!content && !ctx.resources) return undefined;
  if (!ctx.exists(rel)) {
    const shown = ctx.dirRel === '.' ? rel : `${ctx.dirRel}/${rel}`;
    ctx.warn(`${env.file} links to ${target}, but ${shown} does not exist (the link is left as written)`);
    return undefined;
  }
  if (!content) return withBase(ctx.base, encodePath(ctx.resourceUrlOf(rel))) + suffix;
  const url = ctx.urlOf(rel);
  return url === undefined ? undefined : withBase(ctx.base, url) + suffix;
}

/** A site path as an href: each segment percent-encoded (a file name with a space). */
function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
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
