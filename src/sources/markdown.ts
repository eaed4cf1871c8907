import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type MarkdownIt from 'markdown-it';
import { PACKAGE_ROOT } from '../package-root.js';
import { linkRules, type MarkdownEnv, slugify } from './markdown-links.js';

// Loaded on first use: a run that renders no Markdown (a regen with nothing due, a JSON site)
// does not pay for compiling markdown-it and its entity tables at start-up.
const require = createRequire(import.meta.url);

/**
 * markdown-it as built into dist/vendor/ (one file, entity decoding loaded on first need; see
 * scripts/build.mjs: ~20 ms less per run), or the package itself when running from src/ unbuilt.
 */
function loadMarkdownIt(): typeof MarkdownIt {
  const vendored = path.join(PACKAGE_ROOT, 'dist', 'vendor', 'markdown-it.cjs');
  return require(existsSync(vendored) ? vendored : 'markdown-it') as typeof MarkdownIt;
}

/** The plugins isr applies (heading ids, footnotes, definition lists): dist/vendor/, or the packages unbuilt. */
function loadPlugins(): { anchor: any; footnote: any; deflist: any } {
  const vendored = path.join(PACKAGE_ROOT, 'dist', 'vendor', 'markdown-it-plugins.cjs');
  if (existsSync(vendored)) return require(vendored);
  // Unbuilt (tests from src/): the packages. By a name in a variable, so that the bundler leaves
  // them out of dist/isr.cjs (the vendored file above is what the built isr loads).
  const [anchor, footnote, deflist] = ['markdown-it-anchor', 'markdown-it-footnote', 'markdown-it-deflist'].map((n) => {
    const m = require(n);
    return m.default ?? m;
  });
  return { anchor, footnote, deflist };
}

/**
 * The markdown-it instance a `configure` hook gets: the markdown-it built into isr (see README,
 * "files"). Its common members are typed here so isr's declarations type-check without
 * `@types/markdown-it`; with that package installed, `configure(md: MarkdownIt)` gets them all.
 */
export interface MarkdownItInstance {
  /** Add a plugin: `md.use(anchor, { level: 2 })`. */
  use(plugin: (md: any, ...options: any[]) => unknown, ...options: any[]): this;
  /** Change options after creation: `md.set({ breaks: true })`. */
  set(options: Record<string, unknown>): this;
  /** Turn rules on: `md.enable('table')`. */
  enable(rules: string | string[], ignoreInvalid?: boolean): this;
  /** Turn rules off: `md.disable('image')`. */
  disable(rules: string | string[], ignoreInvalid?: boolean): this;
  render(src: string, env?: any): string;
  /** The rest of markdown-it (`renderer.rules`, `linkify`, `validateLink`…), untyped here. */
  [member: string]: any;
}

export interface MarkdownOptions {
  /** Allow raw HTML in Markdown. Off by default: content authors cannot inject script tags. */
  html?: boolean;
  /** Turn bare URLs into links. Default false. */
  linkify?: boolean;
  /** Smart quotes and dashes. Default false. */
  typographer?: boolean;
  /**
   * An `id` on every heading (`## Install on Linux` → `id="install-on-linux"`, GitHub's form,
   * `-1`, `-2` for repeats). Default true; an object is passed to markdown-it-anchor as its
   * options (`{ permalink: anchor.permalink.headerLink() }` with the package of your own).
   */
  anchors?: boolean | Record<string, unknown>;
  /** Footnotes (`text[^1]` … `[^1]: note`, markdown-it-footnote). Default true, as in Hugo and mdBook. */
  footnotes?: boolean;
  /** Definition lists (`Term` then `: definition`, markdown-it-deflist). Default true, as in Hugo. */
  deflists?: boolean;
  /**
   * Rewrite relative links to other content files into their entries' URLs, and (with
   * `files({ resources: true })`) links to files beside the page into their published URLs. Default true.
   */
  links?: boolean;
  /**
   * Syntax highlighting at build time: markdown-it's `highlight(code, lang, attrs)`, returning
   * HTML (or '' for the default escaping). `lang` is the fence's language (`rust` for
   * `rust,ignore`). Plug in any highlighter whose call is synchronous (highlight.js, Shiki's
   * `codeToHtml` from a highlighter created in the config). Default none.
   */
  highlight?(code: string, lang: string, attrs: string): string;
  /**
   * Change the markdown-it instance (add plugins). A method, so that a hook annotated with
   * `@types/markdown-it`'s fuller `MarkdownIt` type is accepted too.
   */
  configure?(md: MarkdownItInstance): void;
}

/**
 * The Markdown renderer for these options. One per options object, kept across runs: `isr serve`
 * runs a regeneration per stale page or webhook, and building a markdown-it instance (its rule
 * chains, linkify's regexes) costs about a millisecond each time. Instances keep no state
 * between renders.
 */
export function createMarkdown(options?: MarkdownOptions): Render {
  if (!options) return (plain ??= make({}));
  let r = shared.get(options);
  if (!r) shared.set(options, (r = make(options)));
  return r;
}
/** Markdown to HTML; `env` tells the rules which file it is (sources/markdown-links.ts). */
export type Render = (src: string, env?: MarkdownEnv) => string;
const shared = new WeakMap<MarkdownOptions, Render>();
let plain: Render | undefined;

function make(options: MarkdownOptions): Render {
  let md: MarkdownIt | undefined;
  const create = () => {
    const Ctor = loadMarkdownIt();
    md = new Ctor({
      html: options.html ?? false,
      linkify: options.linkify ?? false,
      typographer: options.typographer ?? false,
      ...(options.highlight ? { highlight: options.highlight } : {}),
    });
    const plugins = loadPlugins();
    if (options.anchors !== false)
      md.use(plugins.anchor, { slugify, tabIndex: false, ...(typeof options.anchors === 'object' ? options.anchors : {}) });
    if (options.footnotes !== false) md.use(plugins.footnote);
    if (options.deflists !== false) md.use(plugins.deflist);
    // Before `configure`: a user's rule pushed after it sees the rewritten links.
    linkRules(md, options.links !== false);
    options.configure?.(md);
    return md;
  };
  // With a `configure` hook, at once: its errors belong to setup, not to the first page.
  if (options.configure) create();
  return (src, env) => (md ?? create()).render(src, env ?? {});
}
