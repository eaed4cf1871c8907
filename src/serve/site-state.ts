/**
 * The manifest as the server holds it: parsed once, replaced after each of its own
 * regenerations (from the run's result, no re-read), and reloaded when another process (a cron
 * `isr regen`, an `isr build`) rewrites it. Each change reports which output files it touched so
 * the memory cache drops exactly those.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import { allLoaded, readManifest, type Manifest, type PageEntry } from '../manifest/manifest.js';

/** What identifies one version of the manifest file (an atomic rename gives a new inode). */
type Signature = string;

export interface SiteStateOptions {
  config: ResolvedConfig;
  logger: Logger;
  /** Output files whose bytes may have changed (outDir-relative); `all` when unknown. */
  onChange(files: string[] | 'all'): void;
  /** How often a request may trigger a stat of the manifest. */
  checkEveryMs?: number;
}

export class SiteState {
  manifest: Manifest;
  /** Output file → page key, for requests naming a page's file (`/blog/x/index.html`). */
  byFile = new Map<string, string>();
  private signature: Signature | undefined;
  private lastCheck = performance.now();
  private checking: Promise<void> | undefined;
  private watcher: FSWatcher | undefined;
  private readonly checkEveryMs: number;

  private constructor(
    private readonly o: SiteStateOptions,
    manifest: Manifest,
    signature: Signature | undefined,
  ) {
    this.manifest = manifest;
    this.signature = signature;
    this.checkEveryMs = o.checkEveryMs ?? 1000;
    this.index();
  }

  static async load(o: SiteStateOptions): Promise<SiteState> {
    const { config } = o;
    const signature = await signatureOf(config.manifestFile);
    const manifest = await readManifest(config.manifestFile, config.root);
    if (!manifest) {
      throw new IsrError('MANIFEST_MISSING', `no manifest at ${path.relative(config.root, config.manifestFile)}: nothing has been built to serve`, {
        hint: 'run `isr build` first',
      });
    }
    const state = new SiteState(o, manifest, signature);
    state.watchDisk();
    return state;
  }

  page(key: string): PageEntry | undefined {
    return Object.hasOwn(this.manifest.pages, key) ? this.manifest.pages[key] : undefined;
  }

  /**
   * After one of our own runs: adopt the manifest it wrote and drop the files it changed. A run
   * loads only the shards it needs (manifest/shards.ts), so its manifest can hold a part of the
   * pages: the pages it rendered, failed or removed are taken from it into the ones we hold.
   */
  async adopt(run: { manifest: Manifest; rendered: string[]; failed: { path: string }[]; plan: { remove: { path: string }[] } }, changedFiles: string[]): Promise<void> {
    const next = run.manifest;
    if (allLoaded(next)) {
      this.manifest = next;
      this.index();
    } else {
      // A new object over the same pages: request caches keyed on the manifest see the change.
      const pages = this.manifest.pages;
      for (const key of [...run.rendered, ...run.failed.map((f) => f.path), ...run.plan.remove.map((r) => r.path)]) {
        const old = pages[key];
        if (old?.file && this.byFile.get(old.file) === key) this.byFile.delete(old.file);
        const e = Object.hasOwn(next.pages, key) ? next.pages[key] : undefined;
        if (e) {
          pages[key] = e;
          if (e.file) this.byFile.set(e.file, key);
        } else delete pages[key];
      }
      this.manifest = { ...next, pages, shards: next.shards && { ...next.shards, loaded: 'all' } };
    }
    this.o.onChange(changedFiles);
    this.signature = await signatureOf(this.o.config.manifestFile);
  }

  /** Called per request: at most every `checkEveryMs`, look at the disk in the background. */
  maybeCheck(): void {
    const t = performance.now();
    if (t - this.lastCheck < this.checkEveryMs) return;
    this.lastCheck = t;
    void this.check();
  }

  /** Reload the manifest now if the file on disk is not the one we hold. */
  check(): Promise<void> {
    this.checking ??= this.reloadIfChanged().finally(() => (this.checking = undefined));
    return this.checking;
  }

  close(): void {
    this.watcher?.close();
  }

  private async reloadIfChanged(): Promise<void> {
    const { config, logger } = this.o;
    const sig = await signatureOf(config.manifestFile);
    if (sig === this.signature || sig === undefined) return;
    const held = this.manifest;
    let fresh: Manifest | undefined;
    try {
      fresh = await readManifest(config.manifestFile, config.root);
    } catch (err) {
      logger.error(`manifest changed on disk but cannot be read; still serving the last one: ${describeError(err)}`);
      this.signature = sig;
      return;
    }
    // Our own run may have adopted a newer manifest while we were reading.
    if (!fresh || this.manifest !== held) return;
    this.manifest = fresh;
    this.signature = sig;
    this.index();
    this.o.onChange(changedFiles(held, fresh));
    logger.debug('manifest changed on disk (another isr run); reloaded');
  }

  /** Notice writes by other processes at once (inotify & co.); the stat check is the fallback. */
  private watchDisk(): void {
    const dir = this.o.config.stateDir;
    const name = path.basename(this.o.config.manifestFile);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === name) void this.check();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // Some file systems cannot be watched: requests still stat the manifest every second.
    }
  }

  private index(): void {
    const byFile = new Map<string, string>();
    for (const [key, e] of Object.entries(this.manifest.pages)) if (e.file) byFile.set(e.file, key);
    this.byFile = byFile;
  }
}

/** Files whose served bytes may differ between two manifests. */
export function changedFiles(a: Manifest, b: Manifest): string[] {
  const out = new Set<string>();
  for (const key of new Set([...Object.keys(a.pages), ...Object.keys(b.pages)])) {
    const x = a.pages[key];
    const y = b.pages[key];
    if (x?.file === y?.file && x?.outputHash === y?.outputHash && x?.status === y?.status) continue;
    if (x?.file) out.add(x.file);
    if (y?.file) out.add(y.file);
  }
  // Derived files (sitemap, _headers) follow the pages; the 404 page may be a plain file.
  for (const f of ['sitemap.xml', '404.html']) out.add(f);
  for (const m of [a, b]) for (const id in m.shards?.info) out.add(`sitemap-${id}.xml`);
  return [...out];
}

async function signatureOf(file: string): Promise<Signature | undefined> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}
