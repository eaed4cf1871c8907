import { IsrError } from '../errors.js';
import type { FileEntry } from './files.js';

/** `draft: true` (Hugo, and isr's own) or Jekyll's `published: false`. */
export function isDraft(entry: FileEntry): boolean {
  return entry.data.draft === true || entry.data.published === false;
}

/**
 * Two files of one source may not be one entry (`guides.md` and `guides/index.md`: one id) nor
 * claim one URL (a `permalink` equal to another page's, or an alias that is a page): which page
 * would win is an accident of the folder walk, so the run stops (exit 5) naming both files.
 */
export function checkDistinct(entries: readonly FileEntry[], withDrafts: boolean): void {
  const ids = new Map<string, string>();
  const urls = new Map<string, string>();
  for (const e of entries) {
    const other = ids.get(e.id);
    if (other !== undefined) {
      throw new IsrError('CONTENT_CLASH', `${other} and ${e.file} are both the entry "${e.id}"`, {
        file: e.file,
        hint: "keep one of them (a folder's index file is the folder's entry)",
      });
    }
    ids.set(e.id, e.file);
  }
  for (const e of entries) {
    if (!withDrafts && isDraft(e)) continue;
    for (const [u, how] of [[e.url, 'URL'], ...(e.aliases ?? []).map((a) => [a, 'alias'] as const)] as const) {
      const other = urls.get(u);
      if (other !== undefined) {
        throw new IsrError('CONTENT_CLASH', `${e.file} takes the ${how} ${u}, which ${other} has`, {
          file: e.file,
          hint: 'give each page its own permalink and aliases',
        });
      }
      urls.set(u, `${e.file}${how === 'alias' ? ' (alias)' : ''}`);
    }
  }
}
