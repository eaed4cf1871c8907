import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { isrError } from '../errors.js';
import { resourceFolderOf } from '../sources/files.js';
import { walkFiles } from '../walk-files.js';

/**
 * Page resources (issue 21 item 4): the files beside a page's Markdown in a
 * `files({ dir, resources: true })` folder that are not entries themselves (a Hugo page bundle's
 * images, an mdBook `img/` beside the chapters), published at their folder's page URL plus the
 * path below it (files.ts resourceUrl: `content/guide/img/a.png` with the permalink
 * `/docs/:path/` → `docs/guide/img/a.png`). Opt-in: a content folder may hold files not meant
 * for the web.
 *
 * They are public assets with another root: write/public-assets.ts scans them with the public
 * folder (one record, `.isr/public.json`), so they are copied incrementally, staged with the
 * pages, listed in `written` / `removed`, and may not take a page's file. A file the public
 * folder also has is an input error naming both.
 */
export interface Resource {
  /** Path in outDir, `/`-separated. */
  rel: string;
  abs: string;
  /** Path of the source file relative to the site root (for errors). */
  from: string;
}

export function listResources(config: ResolvedConfig): Resource[] {
  const out: Resource[] = [];
  const timeZone = config.site?.timezone ?? 'UTC';
  for (const source of Object.values(config.sources)) {
    const folder = resourceFolderOf(source);
    if (!folder) continue;
    const absDir = path.resolve(config.root, folder.dir);
    let files: string[];
    try {
      files = walkFiles(absDir, new Set(), keepResource);
    } catch (err) {
      // A missing folder is the listing's error to report (sources/files.ts): none here.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw isrError('CONTENT_UNREADABLE', [`the files of ${folder.dir}`, (err as Error).message], { hint: 'make the folder readable' });
    }
    for (const abs of files) {
      const inFolder = path.relative(absDir, abs).split(path.sep).join('/');
      if (folder.isContent(inFolder)) continue;
      out.push({
        rel: folder.urlOf(inFolder, config.root, timeZone).slice(1),
        abs,
        from: path.relative(config.root, abs).split(path.sep).join('/'),
      });
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** Dotfiles (a `.gitkeep`, an editor's state) and editor litter are not published from content. */
function keepResource(name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('~') && !name.endsWith('.swp') && name !== 'Thumbs.db' && name !== 'desktop.ini';
}
