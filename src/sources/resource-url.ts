import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { entryIdentity } from './entry-id.js';
import { entryUrl } from './permalink.js';

// Where a `files({ resources: true })` folder's other files are published (issue 21 item 4).
// Apart from files.ts so that it can run without a run's source (write/page-resources.ts lists
// the resources before the sources are set up).

/** The extensions an index file may have (the files source's content files). */
const INDEX_EXTENSIONS = ['.md', '.markdown', '.json', '.yaml', '.yml'];

/** Where a source's files are and how its URLs are made: what resourceUrl needs, with or without a run. */
export interface FolderAt {
  absDir: string;
  /** The folder relative to the site root, with a trailing "/" ('' for the root itself). */
  keyPrefix: string;
  pattern: string;
  timeZone: string;
  /** A file's front matter or data (throws when it cannot be parsed). */
  readData(abs: string, file: string): Record<string, unknown>;
}

/**
 * The site path of a page resource (`rel`, folder-relative): the URL of the page of the nearest
 * folder above it that has an index file (a Hugo bundle's `index.md`, a section's `_index.md`),
 * plus the path below that folder; with no such folder, the permalink pattern filled for the
 * file's own folder. For the default `/:path/` both are the file's path in the folder.
 */
export function resourceUrl(at: FolderAt, rel: string): string {
  const segs = rel.split('/');
  const name = segs.pop() ?? rel;
  for (let n = segs.length; n >= 0; n--) {
    const folder = segs.slice(0, n).join('/');
    const url = indexPageUrl(at, folder);
    if (url !== undefined) return url + [...segs.slice(n), name].join('/');
  }
  const folder = segs.join('/');
  const identity = { id: folder, slug: segs.at(-1) ?? '', index: true };
  const file = at.keyPrefix + folder;
  return entryUrl({ identity, data: {}, file, pattern: at.pattern, timeZone: at.timeZone, pageKeys: false, text: () => '' }) + name;
}

/** The URL of `folder`'s index entry as a folder ("/"-ended), or undefined when it has none (or it cannot be parsed). */
function indexPageUrl(at: FolderAt, folder: string): string | undefined {
  const prefix = folder ? `${folder}/` : '';
  for (const name of ['index', '_index'])
    for (const ext of INDEX_EXTENSIONS) {
      const abs = path.join(at.absDir, `${prefix}${name}${ext}`);
      if (!existsSync(abs)) continue;
      const file = at.keyPrefix + prefix + name + ext;
      try {
        const data = at.readData(abs, file);
        const identity = entryIdentity(prefix + name + ext, data);
        const pageKeys = /\.(md|markdown)$/i.test(abs);
        const url = entryUrl({
          identity,
          data,
          file,
          pattern: at.pattern,
          timeZone: at.timeZone,
          pageKeys,
          text: () => readFileSync(abs, 'utf8'),
        });
        // A file-style permalink (`/about.html`): its resources sit in its folder.
        return url.endsWith('/') ? url : url.slice(0, url.lastIndexOf('/') + 1);
      } catch {
        // Broken front matter: that page fails with its own error; its resources go by the pattern.
        return undefined;
      }
    }
  return undefined;
}
