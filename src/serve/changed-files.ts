/**
 * Which output files a change of the manifest may have changed: what the memory cache of
 * `isr serve` drops when it takes a change set or reloads the manifest.
 */
import type { Manifest, PageEntry } from '../manifest/manifest.js';
import type { PageChange } from '../manifest/snapshot.js';

/** Derived files (sitemap, _headers) follow the pages; the 404 page may be a plain file. */
const DERIVED = ['sitemap.xml', '404.html'];

/**
 * The files of changed pages whose output, file or status differs (a page rendered again to the
 * same bytes changes nothing served), the derived files, and the sitemap part of every shard
 * named.
 */
export function filesOfChanges(changes: Iterable<PageChange>, shards: Iterable<string>): string[] {
  const out = new Set<string>(DERIVED);
  for (const { before: x, after: y } of changes) {
    if (sameServed(x, y)) continue;
    if (x?.file) out.add(x.file);
    if (y?.file) out.add(y.file);
  }
  for (const id of shards) out.add(`sitemap-${id}.xml`);
  return [...out];
}

/** Files whose served bytes may differ between two manifests (every page of each loaded). */
export function changedFiles(a: Manifest, b: Manifest): string[] {
  const changes: PageChange[] = [];
  for (const key of new Set([...Object.keys(a.pages), ...Object.keys(b.pages)]))
    changes.push({ key, before: a.pages[key], after: b.pages[key] });
  return filesOfChanges(changes, new Set([...Object.keys(a.shards?.info ?? {}), ...Object.keys(b.shards?.info ?? {})]));
}

function sameServed(x: PageEntry | undefined, y: PageEntry | undefined): boolean {
  return x?.file === y?.file && x?.outputHash === y?.outputHash && x?.status === y?.status;
}
