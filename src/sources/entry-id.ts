/**
 * What a content file's path says about its entry: the id (its path inside the folder, without
 * extension, folders kept), the folder page (`index.md` and Hugo's `_index.md` are their folder's
 * own entry), and Jekyll's date prefix (`2024-05-01-title.md`: a date and the slug `title`).
 */

/** Names that make a file its folder's page. */
const INDEX_NAMES = new Set(['index', '_index']);
const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})-(.+)$/;

export interface EntryIdentity {
  /** `guides/install/linux`; a folder's index file has the folder's id (`guides`, or `` at the top). */
  id: string;
  /** Last segment of the file name, without a date prefix; front matter `slug` wins. */
  slug: string;
  /** `2024-05-01` from a date-prefixed name. */
  date?: string;
  /** True for `index.md` / `_index.md`. */
  index: boolean;
}

/** The identity of the file at `rel` (inside the source's folder, "/"-separated, with extension). */
export function entryIdentity(rel: string, data: Record<string, unknown>): EntryIdentity {
  const noExt = rel.replace(/\.[^./]+$/, '');
  const cut = noExt.lastIndexOf('/');
  const folder = cut < 0 ? '' : noExt.slice(0, cut);
  const name = noExt.slice(cut + 1);
  const index = INDEX_NAMES.has(name);
  const id = index ? folder : noExt;
  const dated = index ? null : DATE_PREFIX.exec(name);
  const fileSlug = index ? (folder.split('/').pop() ?? '') : dated ? dated[4]! : name;
  const slug = typeof data.slug === 'string' && data.slug ? data.slug : fileSlug;
  return { id, slug, index, ...(dated ? { date: `${dated[1]}-${dated[2]}-${dated[3]}` } : {}) };
}

/** The files an id may name, in the order get() tries them: `<id>.<ext>`, then its folder's index. */
export function candidatePaths(id: string, extensions: readonly string[]): string[] {
  const own = id === '' ? [] : extensions.map((ext) => id + ext);
  const prefix = id === '' ? '' : `${id}/`;
  return [...own, ...[...INDEX_NAMES].flatMap((n) => extensions.map((ext) => `${prefix}${n}${ext}`))];
}
