import type { FileEntry } from './files.js';

/**
 * Helpers for a docs site over `files()` entries: sort by weight, the tree of sections for a
 * sidebar, prev/next in reading order, and the URLs (and alias redirects) of a catch-all route.
 * They take the entries `list()` gave, so a page that uses them depends on the listing.
 */

/** A node of `contentTree()`: a folder or a file; `entry` is the folder's index file, if any. */
export interface ContentNode {
  /** The id of the folder or file (`guides/install`); `` for the top. */
  id: string;
  /** The entry's `data.title` (or `linkTitle`), else the last segment of the id. */
  title: string;
  /** The entry's URL; undefined for a folder without an index file. */
  url?: string;
  /** The entry (list() fields: id, slug, file, url, data). */
  entry?: FileEntry;
  children: ContentNode[];
}

const weightOf = (e: FileEntry | undefined): number | undefined => {
  const w = e?.data.weight ?? e?.data.order ?? e?.data.nav_order;
  // Hugo: weight 0 means "not set" (sorts after the weighted pages).
  return typeof w === 'number' && w !== 0 ? w : undefined;
};
const titleOf = (e: FileEntry | undefined, id: string): string => {
  const t = e?.data.linkTitle ?? e?.data.title;
  return typeof t === 'string' && t ? t : (id.split('/').pop() ?? id);
};

/**
 * Sort order for entries (or nodes): `weight` (or `order`, Jekyll's `nav_order`) ascending, the
 * unweighted after; then title; then id. Use with `entries.sort(byWeight)`.
 */
export function byWeight(a: FileEntry | ContentNode, b: FileEntry | ContentNode): number {
  const ea = 'children' in a ? a.entry : a;
  const eb = 'children' in b ? b.entry : b;
  const wa = weightOf(ea);
  const wb = weightOf(eb);
  if (wa !== wb) return wa === undefined ? 1 : wb === undefined ? -1 : wa - wb;
  const ta = titleOf(ea, a.id);
  const tb = titleOf(eb, b.id);
  return ta < tb ? -1 : ta > tb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The entries as a tree of folders (`_index.md`/`index.md` their page), children by `byWeight`. */
export function contentTree(entries: readonly FileEntry[]): ContentNode {
  const nodes = new Map<string, ContentNode>();
  const nodeOf = (id: string): ContentNode => {
    let n = nodes.get(id);
    if (!n) {
      n = { id, title: titleOf(undefined, id), children: [] };
      nodes.set(id, n);
      if (id !== '') nodeOf(id.includes('/') ? id.slice(0, id.lastIndexOf('/')) : '').children.push(n);
    }
    return n;
  };
  const root = nodeOf('');
  for (const e of entries) {
    const n = nodeOf(e.id);
    n.entry = e;
    n.title = titleOf(e, e.id);
    n.url = e.url;
  }
  const sort = (n: ContentNode) => {
    n.children.sort(byWeight);
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}

/** The entries in reading order: depth first through `contentTree()`, a folder before its children. */
export function readingOrder(entries: readonly FileEntry[]): FileEntry[] {
  const out: FileEntry[] = [];
  const walk = (n: ContentNode) => {
    if (n.entry) out.push(n.entry);
    n.children.forEach(walk);
  };
  walk(contentTree(entries));
  return out;
}

/** The entries before and after `id` in reading order (undefined at the ends). */
export function prevNext(entries: readonly FileEntry[], id: string): { prev?: FileEntry; next?: FileEntry } {
  const order = readingOrder(entries);
  const i = order.findIndex((e) => e.id === id);
  if (i < 0) return {};
  return { prev: order[i - 1], next: order[i + 1] };
}

/**
 * The `paths()` of a catch-all route over the entries: every entry's URL and every alias (which
 * `contentPage` turns into a redirect). The home page (`/`) is left out: a rest param matches one
 * or more segments, so the top index file belongs to a `/` route.
 */
export function contentPaths(entries: readonly FileEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.url && e.url !== '/') out.push(e.url);
    for (const a of e.aliases ?? []) if (a !== '/') out.push(a);
  }
  return out;
}

/** What a catch-all route's page at `path` is: an entry, a redirect from one of its aliases, or nothing. */
export function contentPage(entries: readonly FileEntry[], path: string): { entry: FileEntry } | { redirect: string } | undefined {
  for (const e of entries) if (e.url === path) return { entry: e };
  for (const e of entries) if (e.url && e.aliases?.includes(path)) return { redirect: e.url };
  return undefined;
}
