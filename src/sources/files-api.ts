/**
 * What the `files` source shows the rest of isr: its options and entry types (public, through
 * index.ts), and what the config check and the publishing of page resources ask of a source that
 * files() made (its folder; its resource folder). Apart from files.ts, whose closure is the
 * source itself, so that those modules do not depend on how it reads and caches.
 */
import type { MarkdownOptions } from './markdown.js';

export interface FilesOptions {
  /** Folder relative to the site root. */
  dir: string;
  /** Name shown in errors. Default `files`. */
  name?: string;
  /** Glob patterns relative to `dir`. Default every .md, .markdown, .json, .yaml and .yml file. */
  include?: string[];
  markdown?: MarkdownOptions;
  /**
   * Each entry's `url`, with placeholders: `:path` (the id), `:slug`, `:title`, `:section`, and
   * `:year`/`:month`/`:day` from its date in `site.timezone`. Front matter `permalink` or `url`
   * overrides it per file. Default `/:path/` (a folder's index file: the folder's URL).
   */
  permalink?: string;
  /** List entries with `draft: true` (or Jekyll's `published: false`) too. Default false. */
  drafts?: boolean;
  /**
   * Publish the folder's other files (images, downloads: Hugo page bundles, an `img/` beside
   * chapters) with the pages: at the URL of their folder's page plus the path below it
   * (`guide/img/a.png` → `/guide/img/a.png` with the default permalink). Default false: a content
   * folder may hold files not meant for the web (drafts' notes, sources of images, scripts).
   */
  resources?: boolean;
}

/**
 * One file. `list()` gives `id`, `slug`, `file` and `data`; `get()` adds `content` and `html`.
 * `Data`: the shape of the front matter (or of the JSON/YAML file), as `files<Data>()` declares it.
 */
export interface FileEntry<Data extends Record<string, any> = Record<string, any>> {
  /** Path inside `dir` without extension, "/" separated: `2024/hello`. */
  id: string;
  /** Last segment of `id` (or front matter `slug`): `hello`. */
  slug: string;
  /** Path relative to the site root. */
  file: string;
  /** The page URL (site path, no base path): the `permalink` option, or front matter `permalink`/`url`. */
  url: string;
  /** Old URLs that redirect here: front matter `aliases` (Hugo) or `redirect_from` (Jekyll). */
  aliases?: string[];
  /** Front matter (Markdown) or the parsed file (JSON/YAML). */
  data: Data;
  /** Markdown body (get() only). */
  content?: string;
  /** Markdown rendered to HTML (get() only). */
  html?: string;
}

/** The `dir` of each files() source, for the config's check that outDir never holds content. */
const contentDirs = new WeakMap<object, string>();

/** The content folder (relative to the site root) of a source made by files(), else undefined. */
export function contentDirOf(source: object): string | undefined {
  return contentDirs.get(source);
}

/** A files() source with `resources: true`: its folder's other files are published with the pages (write/page-resources.ts). */
export interface ResourceFolder {
  /** Relative to the site root. */
  dir: string;
  /** Is this folder-relative path one of the source's entries (not a resource)? */
  isContent(rel: string): boolean;
  /** The site path the folder-relative file `rel` is published at (see resourceUrl). */
  urlOf(rel: string, root: string, timeZone: string): string;
}
const resourceFolders = new WeakMap<object, ResourceFolder>();

/** The page-resource folder of a source made by files() with `resources: true`, else undefined. */
export function resourceFolderOf(source: object): ResourceFolder | undefined {
  return resourceFolders.get(source);
}

/** Called by files() for each source it makes. */
export function registerFilesSource(source: object, dir: string, resources?: ResourceFolder): void {
  contentDirs.set(source, dir);
  if (resources) resourceFolders.set(source, resources);
}
