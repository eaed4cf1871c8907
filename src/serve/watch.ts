/**
 * `isr serve --watch`: watches the templates, the config and what each data source says it
 * reads (`DataSource.watch`), and the public folder, and reports debounced changes as what they
 * invalidate: templates (the planner finds template-changed pages itself), assets (the run copies
 * them; a page using `asset()` has them in its template closure), the config (reload it), or tags (a content
 * file's own tag and its collection's, which also re-lists the routes that list it).
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Manifest } from '../manifest/model.js';
import { TEMP_SUFFIX } from '../write/write-atomic.js';

export interface WatchChange {
  templates: boolean;
  /** A file of the public folder changed (the run copies it and re-renders its `asset()` users). */
  assets: boolean;
  config: boolean;
  tags: string[];
  /** Changed files, relative to the site root (for the log line). */
  files: string[];
}

export interface SiteWatcher {
  /**
   * Watch these files too (site-root-relative, from the `file:` tags pages recorded, see
   * trackedFiles): a change reports their `file:` tag. Files already watched are skipped.
   */
  follow(files: string[]): void;
  close(): Promise<void>;
}

/**
 * Files pages recorded with `track('file:…')` that no source reported in its watch (issue 21
 * item 9: a code listing a chapter includes from outside the content folder). At most this many
 * are watched, each one a watch of the system's (an inotify watch on Linux); past it, one
 * warning and the rest are not followed.
 */
export const MAX_TRACKED_FILES = 10_000;

/** The files named by `file:` tags in a manifest's pages and route listings, site-root-relative. */
export function trackedFiles(manifest: Pick<Manifest, 'pages' | 'routes'>): string[] {
  const files = new Set<string>();
  const add = (tags: string[] | undefined) => {
    for (const t of tags ?? []) if (t.startsWith('file:') && t.length > 5) files.add(t.slice(5));
  };
  for (const key in manifest.pages) add(manifest.pages[key]!.tags);
  for (const key in manifest.routes) add(manifest.routes[key]!.tags);
  return [...files];
}

type TagsFor = (file: string, event: 'add' | 'change' | 'unlink') => string[];

export async function watchSite(
  config: ResolvedConfig,
  o: { logger: Logger; now: number; onChange(change: WatchChange): void; debounceMs?: number },
): Promise<SiteWatcher> {
  const sources = await sourceWatches(config, o.logger, o.now);
  const inside = (file: string, dir: string) => file === dir || file.startsWith(dir + path.sep);
  const ignoredDirs = [config.outDir, config.stateDir];
  const publicDir = config.publicDir ? [config.publicDir] : [];
  const watched = [config.templatesDir, config.configFile, ...publicDir, ...sources.flatMap((s) => s.paths)];
  // Tracked files outside what is watched above, absolute path → their tag.
  const followed = new Map<string, string>();
  let warnedFull = false;
  const watcher: FSWatcher = watch(watched, {
    ignoreInitial: true,
    ignored: (p) => ignoredDirs.some((d) => inside(p, d)) || p.endsWith(TEMP_SUFFIX) || p.split(path.sep).includes('node_modules'),
  });

  let pending: WatchChange | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const change = pending!;
    pending = undefined;
    change.tags = [...new Set(change.tags)];
    o.onChange(change);
  };

  watcher.on('all', (event, file) => {
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    const abs = path.resolve(file);
    const c = (pending ??= { templates: false, assets: false, config: false, tags: [], files: [] });
    c.files.push(path.relative(config.root, abs));
    if (abs === config.configFile) c.config = true;
    else if (inside(abs, config.templatesDir)) c.templates = true;
    else if (config.publicDir && inside(abs, config.publicDir)) c.assets = true;
    const tag = followed.get(abs);
    if (tag) c.tags.push(tag);
    for (const s of sources) {
      if (!s.paths.some((p) => inside(abs, p))) continue;
      try {
        c.tags.push(...s.tagsFor(abs, event));
      } catch (err) {
        o.logger.error(`watch: tagsFor(${c.files.at(-1)}) of source "${s.key}" threw: ${describeError(err)}`);
      }
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, o.debounceMs ?? 60);
  });
  watcher.on('error', (err) => o.logger.error(`watch: ${describeError(err)}`));
  await new Promise<void>((resolve) => watcher.once('ready', resolve));

  return {
    follow(files) {
      const added: string[] = [];
      for (const rel of files) {
        const abs = path.resolve(config.root, rel);
        if (followed.has(abs) || watched.some((d) => inside(abs, d)) || ignoredDirs.some((d) => inside(abs, d))) continue;
        if (followed.size >= MAX_TRACKED_FILES) {
          if (!warnedFull) o.logger.warn(`watch: more than ${MAX_TRACKED_FILES} tracked files; the rest are not watched`);
          warnedFull = true;
          break;
        }
        followed.set(abs, `file:${rel}`);
        added.push(abs);
      }
      if (added.length) watcher.add(added);
    },
    async close() {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}

/**
 * Each source's watch list. A source's `watch()` may depend on its `setup()` (the files source
 * resolves its folder there), so it is set up first, asked, and disposed again: every run sets
 * the sources up afresh anyway.
 */
async function sourceWatches(
  config: ResolvedConfig,
  logger: Logger,
  now: number,
): Promise<{ key: string; paths: string[]; tagsFor: TagsFor }[]> {
  const out: { key: string; paths: string[]; tagsFor: TagsFor }[] = [];
  for (const [key, src] of Object.entries(config.sources)) {
    if (!src.watch) continue;
    try {
      await src.setup?.({
        root: config.root,
        cacheDir: config.cacheDir,
        base: config.base,
        now: new Date(now),
        log: (level, m) => (level === 'warn' ? logger.warn(`${key}: ${m}`) : logger.info(`${key}: ${m}`)),
      });
      const w = src.watch();
      out.push({ key, paths: w.paths.map((p) => path.resolve(config.root, p)), tagsFor: w.tagsFor });
      await src.dispose?.();
    } catch (err) {
      logger.error(`watch: source "${key}" cannot be watched: ${describeError(err)}`);
    }
  }
  return out;
}
