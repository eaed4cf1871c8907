import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { IsrError } from '../errors.js';
import type { DataSource, SourceSetupContext } from '../types.js';
import { checkDistinct, isDraft } from './content-checks.js';
import { candidatePaths, entryIdentity } from './entry-id.js';
import { type FileEntry, type FilesOptions, registerFilesSource } from './files-api.js';
import { CONTENT_FILE, listContent, type Parsed, readData, readParsed, splitShown, statSignature } from './files-read.js';
import { FrontMatterCache, frontMatterCacheFile } from './front-matter-cache.js';
import { createMarkdown, type Render } from './markdown.js';
import { type LinkContext, markdownEnv } from './markdown-links.js';
import { DEFAULT_PERMALINK, entryAliases, entryUrl } from './permalink.js';
import { resourceUrl } from './resource-url.js';
import { compareFiles } from './snapshot.js';

export type { FileEntry, FilesOptions } from './files-api.js';
export { contentDirOf, resourceFolderOf } from './files-api.js';

const EXTENSIONS = ['.md', '.markdown', '.json', '.yaml', '.yml'];
/** A cached Markdown file whose body get() has already handed out, or that list() did not keep. */
const RELEASED = '\0released';
/**
 * Characters of Markdown bodies list() keeps for get() (~32 MB): a build of up to ~30k files of
 * 1 KB reads each once; past that, get() reads the rest again rather than all being held at once
 * (110 MB at 100k files, a fifth of that build's peak).
 */
const BODY_BUDGET = 32 * 1024 * 1024;

/**
 * The built-in Markdown/JSON/YAML source. A page that calls `get(id)` records `file:<path>`;
 * a `list()` records `files:<dir>` so added or removed files re-run the listing.
 *
 * `Data` types each entry's `data` in routes (`files<{ title: string }>({ dir })`). It is what
 * you declare the files hold, not a check: isr does not validate front matter against it.
 */
export function files<Data extends Record<string, any> = Record<string, any>>(options: FilesOptions): DataSource<FileEntry<Data>> {
  if (!options || typeof options.dir !== 'string') throw new TypeError('files(): `dir` is required, e.g. files({ dir: "content/posts" })');
  let root = '';
  let absDir = '';
  let dirRel = '';
  let render: Render = () => '';
  let timeZone = 'UTC';
  const permalink = options.permalink ?? DEFAULT_PERMALINK;
  let log: SourceSetupContext['log'] = () => {};
  let links: LinkContext | undefined;
  const isContent = (rel: string) => CONTENT_FILE.test(rel);
  // Per-run cache of parsed files: list() reads every file once; get() then costs no second read
  // while the bodies held stay under BODY_BUDGET (past it, list() keeps the front matter only).
  let parsed = new Map<string, Parsed>();
  // What the last run parsed, front matter only, for the next run of the same process (`isr
  // serve`): reused for a file whose stat (size, mtime, inode) is unchanged, so a webhook's run
  // re-reads only what changed. Empty in a build or regen (one run per process): no extra stat.
  let carried = new Map<string, Parsed>();
  let listing: Promise<string[]> | undefined;
  let heldBodies = 0;
  // Front matter kept between processes (sources/front-matter-cache.ts), used with the stats
  // change detection took this run: `detected` is the listing it stat'ed and each file's stat.
  let frontMatter: FrontMatterCache | undefined;
  let detected: { files: string[]; stats: readonly (string | undefined)[] } | undefined;
  // The listing list() made with those stats: the cache is saved for exactly its files.
  let listedWithStats: string[] | undefined;
  // Entries list() gave for files it could not read (over a bound), with empty `data`: reported
  // through entryError, so route listings keep them (their pages fail with this error, as get()
  // throws it) and pages' list() leaves them out rather than showing a blank entry.
  const unreadable = new WeakMap<FileEntry, IsrError>();

  // Synchronous, and values rather than promises: a listing parses every file of the folder
  // (20k files: 20k promises and microtasks saved), and a read is microseconds (see readParsed).
  // `stat`: the file's stat line as change detection took it this run, if it did.
  const parse = (abs: string, stat?: string): Parsed => {
    let r = parsed.get(abs);
    if (!r && carried.size) {
      const before = carried.get(abs);
      if (before?.sig && before.sig === statSignature(abs)) parsed.set(abs, (r = before));
    }
    if (!r && stat !== undefined) {
      const data = frontMatter?.get(stat);
      // The body is not kept: get() reads the file for it, as it would past BODY_BUDGET.
      if (data) parsed.set(abs, (r = { data, body: RELEASED, stat }));
    }
    if (!r) {
      try {
        r = readParsed(abs, fileOf(abs));
        // Before anything can change the data (toEntry's date, a page's code).
        if (stat !== undefined && r.sig) frontMatter?.put(fileOf(abs), r.sig, r.data);
      } catch (err) {
        // A file over a bound (an alias bomb) is that file's failure, not the listing's: kept as
        // a failed entry (see `unreadable`), so the listing and the other pages go on.
        if (!(err instanceof IsrError && err.code === 'CONTENT_LIMIT')) throw err;
        r = { data: {}, error: err, sig: statSignature(abs) };
      }
      if (typeof r.body === 'string') {
        if (heldBodies + r.body.length > BODY_BUDGET) r = { data: r.data, body: RELEASED };
        else heldBodies += r.body.length;
      }
      parsed.set(abs, r);
    }
    return r;
  };
  // Every `abs` is inside absDir (from the glob, or get() joined a checked id): slicing is exact
  // and spares a path.relative call (~10 µs) per file.
  let absPrefix = '';
  let keyPrefix = '';
  const fileOf = (abs: string) =>
    abs.slice(0, absPrefix.length) === absPrefix // not startsWith: see holds() in snapshot.ts
      ? keyPrefix + (path.sep === '/' ? abs.slice(absPrefix.length) : abs.slice(absPrefix.length).split(path.sep).join('/'))
      : path.relative(root, abs).split(path.sep).join('/');
  let derived = new WeakMap<object, { id: string; slug: string; file: string; url: string; aliases: string[] }>();
  // The listing whose files were last found distinct (checkDistinct): once per run, not per page.
  let checkedListing: string[] | undefined;
  const toEntry = (abs: string, data: Record<string, any>): FileEntry => {
    // Folders kept, index files their folder's entry, date prefixes read (entry-id.ts); the URL
    // and aliases from the permalink pattern or front matter (permalink.ts). Worked out once per
    // parsed file (keyed by its data, which the per-run cache keeps): every page's list() makes
    // the entries again, and URLs for 1,000 files cost ~5 ms a listing (BENCHMARKS.md).
    let known = derived.get(data);
    if (!known) {
      const inside = abs.startsWith(absDir + path.sep);
      const rel = (inside ? abs.slice(absDir.length + 1) : path.relative(absDir, abs)).split(path.sep).join('/');
      const identity = entryIdentity(rel, data);
      if (identity.date !== undefined && data.date === undefined) data.date = identity.date;
      const file = fileOf(abs);
      const pageKeys = /\.(md|markdown)$/i.test(abs);
      const urlCtx = { identity, data, file, pattern: permalink, timeZone, pageKeys, text: () => readFileSync(abs, 'utf8') };
      known = { id: identity.id, slug: identity.slug, file, url: entryUrl(urlCtx), aliases: entryAliases(urlCtx) };
      derived.set(data, known);
    }
    const entry: FileEntry = { id: known.id, slug: known.slug, file: known.file, url: known.url, data };
    if (known.aliases.length) entry.aliases = [...known.aliases];
    return entry;
  };
  // A content file's page URL for a link to it, worked out as its entry's (toEntry). A target whose
  // front matter cannot be parsed (its own page fails with that error) is linked by the pattern
  // filled from its path, rather than failing the page that links to it; a target whose URL
  // cannot be made at all is left as written.
  const contentUrlOf = (abs: string): string | undefined => {
    let data: Record<string, any> = {};
    try {
      const r = parse(abs);
      if (!r.error) data = r.data;
    } catch {
      data = {};
    }
    try {
      return toEntry(abs, data).url;
    } catch {
      return undefined;
    }
  };
  const collectionTag = () => `files:${dirRel}`;

  const source: DataSource<FileEntry> = {
    name: options.name ?? 'files',
    setup(ctx) {
      root = ctx.root;
      log = ctx.log;
      absDir = path.resolve(ctx.root, options.dir);
      dirRel = path.relative(root, absDir).split(path.sep).join('/') || '.';
      absPrefix = absDir + path.sep;
      keyPrefix = dirRel === '.' ? '' : `${dirRel}/`;
      render = createMarkdown(options.markdown);
      timeZone = ctx.site?.timezone ?? 'UTC';
      derived = new WeakMap();
      checkedListing = undefined;
      links = {
        dirRel,
        base: ctx.base ?? '/',
        isContent,
        resources: options.resources === true,
        exists: (rel) => existsSync(path.join(absDir, rel)),
        urlOf: (rel) => contentUrlOf(path.join(absDir, rel)),
        resourceUrlOf: (rel) => resourceUrl({ absDir, keyPrefix, pattern: permalink, timeZone, readData }, rel),
        warn: (m) => ctx.log('warn', m),
      };
      carried = new Map();
      for (const [abs, r] of parsed) if (r.sig) carried.set(abs, r.body === undefined ? r : { data: r.data, body: RELEASED, sig: r.sig });
      parsed = new Map();
      listing = undefined;
      heldBodies = 0;
      frontMatter = new FrontMatterCache(path.join(ctx.cacheDir, frontMatterCacheFile(dirRel, options.include)), (m) => log('warn', m));
      detected = undefined;
      listedWithStats = undefined;
    },
    async list({ track }) {
      track(collectionTag());
      listing ??= listContent(absDir, options.include, dirRel);
      const abs = await listing;
      const stats = detected?.files === abs ? detected.stats : undefined;
      const entries = abs.map((f, i) => {
        const r = parse(f, stats?.[i]);
        const entry = toEntry(f, r.data);
        if (r.error) unreadable.set(entry, r.error);
        return entry;
      });
      if (checkedListing !== abs) {
        checkDistinct(entries, options.drafts === true);
        checkedListing = abs;
      }
      if (stats) listedWithStats = abs;
      return options.drafts ? entries : entries.filter((e) => !isDraft(e));
    },
    async get({ id, track }) {
      if (id.includes('..') || path.isAbsolute(id)) return undefined;
      for (const candidate of candidatePaths(id, EXTENSIONS)) {
        const abs = path.join(absDir, candidate);
        const listed = parsed.has(abs);
        let cached: Parsed;
        let result: Parsed;
        try {
          cached = parse(abs);
          if (cached.error) {
            track(`file:${fileOf(abs)}`);
            throw cached.error;
          }
          // The body was handed out once already, or never kept (BODY_BUDGET), or the front matter
          // came from the cache: read the file again.
          result = cached.body === RELEASED ? readParsed(abs, fileOf(abs)) : cached;
          // The very bytes the cached front matter was parsed from (same stat): the listing's data
          // object, as when list() kept the body, so its entry's URL is not worked out again
          // (toEntry's memo is keyed by it; 20k of them were ~8% of a build).
          if (cached.stat && result.sig && cached.stat.endsWith(`\t${result.sig}\t`)) result = { ...result, data: cached.data };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            parsed.delete(abs);
            continue;
          }
          throw err;
        }
        const entry = toEntry(abs, result.data);
        track(`file:${entry.file}`);
        if (result.body !== undefined) {
          entry.content = result.body;
          const linked = (rel: string) => track(`file:${dirRel === '.' ? '' : `${dirRel}/`}${rel}`);
          entry.html = render(result.body, links && markdownEnv(links, entry.file, entry.id, entry.url, linked));
          // A page reads its file's body once; keeping every body to the end of the run held the
          // whole content folder in memory (~110 MB at 100k files). The front matter stays for a
          // list() that read it; a file only get() has read is dropped (nothing will ask again).
          if (result === cached) heldBodies -= result.body.length;
          if (listed) parsed.set(abs, { data: result.data, body: RELEASED, sig: result.sig });
          else parsed.delete(abs);
        }
        return entry;
      }
      // Not there (yet): depend on the collection so the page is rebuilt when the file appears.
      track(collectionTag());
      return undefined;
    },
    entryTag: (entry) => `file:${entry.file}`,
    entryError: (entry) => unreadable.get(entry),
    watch() {
      return {
        paths: [absDir],
        tagsFor: (file) => [`file:${path.relative(root, file).split(path.sep).join('/')}`, collectionTag()],
      };
    },
    // The folder against the snapshot of the last published run (sources/snapshot.ts). A changed
    // file's own tag, and the collection's unless only Markdown bodies changed: a listing shows
    // front matter (a title, a tag list), so after a front-matter edit, an add or a deletion
    // every page that listed the folder renders again, as `serve --watch` does.
    async changes({ state }) {
      const found = await listContent(absDir, options.include, dirRel);
      const now = found.map((abs) => [fileOf(abs), abs] as const);
      const { events, snapshot, complete, unusable, stats } = compareFiles(now, state, splitShown);
      // The run's listing is this one walk, and its stats are what the front-matter cache is
      // checked against (a file changed since is in neither: the next run finds it).
      detected = { files: found, stats };
      listing ??= Promise.resolve(found);
      if (unusable)
        log('warn', `its change snapshot is not one isr wrote (edited, or from another version); comparing every file of ${dirRel}`);
      const tags = new Set<string>();
      for (const [file] of events) tags.add(`file:${file}`);
      // Only Markdown bodies changed: the listings show the same front matter, so the folder's
      // listings (and its route's paths(), which read every file) need not run again.
      if (events.some(([, e]) => e !== 'body') || !complete) tags.add(collectionTag());
      // The front-matter cache is written with the states, once the run has published (a run
      // that stops on bad input, or a dry run, writes nothing), and only after a listing made
      // with this run's stats. A cache: failing to write it costs the next run the reads.
      const saved = () => {
        if (!listedWithStats || !frontMatter) return;
        try {
          frontMatter.save(listedWithStats.map(fileOf));
        } catch (err) {
          log('warn', `cannot save its front-matter cache: ${(err as Error).message} (the next listing reads the files)`);
        }
        listedWithStats = undefined;
      };
      return { tags: [...tags], state: snapshot, saved };
    },
  };
  registerFilesSource(
    source,
    options.dir,
    options.resources === true
      ? {
          dir: options.dir,
          isContent,
          urlOf: (rel, siteRoot, zone) => {
            const folderAbs = path.resolve(siteRoot, options.dir);
            const prefix = path.relative(siteRoot, folderAbs).split(path.sep).join('/');
            return resourceUrl(
              { absDir: folderAbs, keyPrefix: prefix && prefix !== '.' ? `${prefix}/` : '', pattern: permalink, timeZone: zone, readData },
              rel,
            );
          },
        }
      : undefined,
  );
  // `Data` is the caller's declaration of what the files hold (front matter is not validated).
  return source as DataSource<FileEntry<Data>>;
}
