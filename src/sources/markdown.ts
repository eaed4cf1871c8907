import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type MarkdownIt from 'markdown-it';
import { PACKAGE_ROOT } from '../package-root.js';

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
export function createMarkdown(options?: MarkdownOptions): (src: string) => string {
  if (!options) return (plain ??= make({}));
  let r = shared.get(options);
  if (!r) shared.set(options, (r = make(options)));
  return r;
}
const shared = new WeakMap<MarkdownOptions, (src: string) => string>();
let plain: ((src: string) => string) | undefined;

function make(options: MarkdownOptions): (src: string) => string {
  let md: MarkdownIt | undefined;
  const create = () => {
    const Ctor = loadMarkdownIt();
    md = new Ctor({ html: options.html ?? false, linkify: options.linkify ?? false, typographer: options.typographer ?? false });
    options.configure?.(md);
    return md;
  };
  // With a `configure` hook, at once: its errors belong to setup, not to the first page.
  if (options.configure) create();
  return (src) => (md ?? create()).render(src);
}
