/**
 * The manifest as the server holds it: every page, read once at start, then kept current
 * without reading it whole again. After each of its own regenerations the server takes the pages
 * the run rendered, failed or removed from the run's result; when another process (a cron
 * `isr regen`, an `isr build`) rewrites the manifest, it reads the new head and only the shards
 * whose file changed (manifest/shards.ts). Each change reports which output files it touched so
 * the memory cache drops exactly those. Cost per change: the pages changed, not the site.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { HeldManifest } from '../manifest/held.js';
import {
  allLoaded,
  fileSignature,
  loadShards,
  type Manifest,
  openManifest,
  type PageEntry,
  readManifest,
  signatureOfStats,
} from '../manifest/manifest.js';
import { shardOf } from '../manifest/shards.js';
import type { ChangeSet } from '../run/run-types.js';
import { runStepsSliced } from '../time-slice.js';

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

/** What a run of our own changed (a `RunResult` has these). */
export interface OwnRun {
  manifest: Manifest;
  /** The signature of the manifest head the run wrote, taken under its lock. */
  manifestSignature?: string;
  /** The run's change set: the pages it replaced and removed, the head versions it read and wrote. */
  changes: Pick<ChangeSet, 'pages' | 'removedPages' | 'fromVersion'>;
}

export class SiteState {
  /** Always whole (every shard's pages). A new object on every change: request caches key on it. */
  manifest: Manifest;
  /** Output file → page key, for requests naming a page's file (`/blog/x/index.html`). */
  byFile = new Map<string, string>();
  /** Page keys per shard id, so a changed shard replaces exactly its pages. */
  private keysByShard = new Map<string, Set<string>>();
  private signature: Signature | undefined;
  /**
   * The signature of the head file `manifest` is exactly, when known: what lets a run of ours
   * start from memory (`held`). Unlike `signature` it is cleared when a reload fails or a run's
   * manifest is merged, since the manifest may then differ from the file.
   */
  private exact: Signature | undefined;
  private lastCheck = performance.now();
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private watcher: FSWatcher | undefined;
  /** Set while a run of ours holds the site: the manifest it rewrites is adopted from its result. */
  private ownRuns = 0;
  private readonly checkEveryMs: number;

  private constructor(
    private readonly o: SiteStateOptions,
    manifest: Manifest,
    signature: Signature | undefined,
  ) {
    this.manifest = manifest;
    // Taken before the manifest was read: the file can only be as new or newer, and a newer
    // file has another signature, so this never vouches for a manifest older than the disk.
    this.signature = this.exact = signature;
    this.checkEveryMs = o.checkEveryMs ?? 1000;
    this.index();
  }

  static async load(o: SiteStateOptions): Promise<SiteState> {
    const { config } = o;
    const signature = await signatureOf(config.manifestFile);
    const manifest = await readManifest(config.manifestFile, config.root);
    if (!manifest) {
      throw new IsrError(
        'MANIFEST_MISSING',
        `no manifest at ${path.relative(config.root, config.manifestFile)}: nothing has been built to serve`,
        {
          hint: 'run `isr build` first',
        },
      );
    }
    const state = new SiteState(o, manifest, signature);
    state.watchDisk();
    return state;
  }

  /**
   * What a run of ours may start from instead of reading the manifest files: the manifest we
   * hold, with the signature of the file it is. The run compares that with the disk under its
   * lock; while it runs, nothing here changes (`ownRuns` holds disk checks back).
   */
  held(): HeldManifest | undefined {
    if (!this.exact || !this.manifest.shards) return undefined;
    return { manifest: this.manifest, signature: this.exact, keysOf: (id) => this.keysByShard.get(id) ?? [] };
  }

  page(key: string): PageEntry | undefined {
    return Object.hasOwn(this.manifest.pages, key) ? this.manifest.pages[key] : undefined;
  }

  /**
   * A run of ours starts: the manifest file will change under us, and the run's result says how,
   * so disk checks wait for `adopt` (or `ownRunFailed`). Without this, the file watch fires as the
   * run publishes and the server would read back what it is about to adopt.
   */
  ownRunStarted(): void {
    this.ownRuns++;
  }

  ownRunFailed(): void {
    this.ownRuns--;
    void this.check();
  }

  /**
   * After one of our own runs: adopt the manifest it wrote and drop the files it changed. A run
   * loads only the shards it needs, so its manifest holds a part of the pages.
   *
   * When the run read the very head we hold (its change set's `fromVersion` is the version we
   * hold exactly), the pages of its change set are all that changed: those are taken, and the
   * head it wrote (its version, taken under its lock) becomes ours. Otherwise another process (a cron
   * `isr regen`) published in between: each shard the run loaded is taken whole (it includes
   * that write), the others keep the file names we hold, and the disk check that follows reads
   * the ones the other process rewrote. Either way the disk is looked at for a write that came
   * after the run released its lock: one synchronous stat when the run's head was taken.
   */
  async adopt(run: OwnRun, changedFiles: string[]): Promise<void> {
    let taken: string[] = [];
    try {
      const held = this.manifest.shards;
      const next = run.manifest.shards;
      // Only a run that wrote the manifest can have written the generation after ours. One that
      // wrote nothing (a stale page found rendered already) may have read a head another process
      // wrote: its loaded shards are taken, and the check below reads the rest.
      const wrote = run.manifestSignature !== undefined;
      const fromOurs = this.exact !== undefined && run.changes.fromVersion === this.exact;
      const direct = wrote && fromOurs && !!held && !!next && next.bits === held.bits;
      // Sliced (time-slice.ts): 20,000 pages of one big run took ~30 ms to take in one go. The
      // entries are replaced one by one; each is whole, and their files are already published.
      if (direct) await runStepsSliced(this.takeChanged(run));
      else taken = this.take(run);
      this.signature = this.exact = direct ? run.manifestSignature : undefined;
    } finally {
      this.ownRuns = Math.max(0, this.ownRuns - 1);
    }
    this.o.onChange([...changedFiles, ...taken]);
    // Another process may have published after the run released its lock (its watch event was
    // ignored while the run held us): look at the disk.
    this.checkIfMoved();
  }

  /**
   * A disk check, unless one synchronous stat (microseconds) shows the file is still the head we
   * hold: what the adoption of a run and the watch event of its own publish nearly always find.
   * A check through the promise API cost ~0.2 ms of this thread on every webhook. Not for the
   * request path, which must not block on the disk (`maybeCheck`).
   */
  private checkIfMoved(): void {
    if (this.ownRuns === 0 && this.signature && fileSignature(this.o.config.manifestFile) === this.signature) return;
    void this.check();
  }

  /** The run read the head we hold: only the pages of its change set changed. */
  private *takeChanged(run: OwnRun): Generator<void, void> {
    const next = run.manifest;
    const bits = next.shards!.bits;
    const pages = this.manifest.pages;
    let n = 0;
    for (const key of [...run.changes.pages, ...run.changes.removedPages]) {
      this.put(pages, key, Object.hasOwn(next.pages, key) ? next.pages[key] : undefined, bits);
      if (++n % 512 === 0) yield;
    }
    this.manifest = { ...next, pages, shards: { ...next.shards!, loaded: 'all' } };
  }

  /** Merge a run's manifest that may include another process's writes; returns the output files whose pages differ. */
  private take(run: OwnRun): string[] {
    const next = run.manifest;
    const held = this.manifest;
    const bits = next.shards?.bits ?? 0;
    if (allLoaded(next) || !held.shards || bits !== held.shards.bits) {
      if (!allLoaded(next)) loadShards(next, this.o.config.manifestFile, this.o.config.root, 'all');
      const files = changedFiles(held, next);
      this.manifest = next;
      this.index();
      return files;
    }
    const table = next.shards!;
    const loaded = table.loaded as Set<string>;
    const pages = held.pages;
    const out = new Set<string>();
    for (const id of loaded) this.replaceShard(pages, id, next.pages, bits, out);
    // Shards the run did not load keep the file names of what we hold, so the check after the
    // run sees (and reads) any that another process rewrote meanwhile.
    const info = { ...table.info };
    for (const id of Object.keys(info)) if (!loaded.has(id)) held.shards.info[id] ? (info[id] = held.shards.info[id]!) : delete info[id];
    for (const id of Object.keys(held.shards.info)) if (!loaded.has(id) && !info[id]) info[id] = held.shards.info[id]!;
    this.manifest = { ...next, pages, shards: { ...table, info, loaded: 'all' } };
    return [...out];
  }

  /**
   * Replace the pages of shard `id` in `pages` by those in `from` (a manifest with that shard
   * loaded), adding to `out` the output files of every page that differs.
   */
  private replaceShard(
    pages: Record<string, PageEntry>,
    id: string,
    from: Record<string, PageEntry>,
    bits: number,
    out: Set<string>,
  ): void {
    const keys = new Set(this.keysByShard.get(id));
    for (const key in from) if (shardOf(key, bits) === id) keys.add(key);
    for (const key of keys) {
      const x = pages[key];
      const y = Object.hasOwn(from, key) ? from[key] : undefined;
      if (!(x?.file === y?.file && x?.outputHash === y?.outputHash && x?.status === y?.status)) {
        if (x?.file) out.add(x.file);
        if (y?.file) out.add(y.file);
      }
      if (x !== y) this.put(pages, key, y, bits);
    }
  }

  /** Called per request: at most every `checkEveryMs`, look at the disk in the background. */
  maybeCheck(): void {
    const t = performance.now();
    if (t - this.lastCheck < this.checkEveryMs) return;
    this.lastCheck = t;
    void this.check();
  }

  /**
   * Reload the manifest now if the file on disk is not the one we hold. A call made while a
   * check is under way makes it look once more when done: that check may have read the head
   * just before the write that prompted this call (a lost wake-up, which left the server one
   * cron run behind until the next request's check).
   */
  check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.reloadIfChanged();
      } while (this.checkAgain);
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  close(): void {
    this.watcher?.close();
  }

  private async reloadIfChanged(): Promise<void> {
    const { config, logger } = this.o;
    if (this.ownRuns > 0) return;
    const held = this.manifest;
    const sig = await signatureOf(config.manifestFile);
    // A run of ours started or was adopted while the stat was out: its answer may be the file
    // from before that run, and taking it would record an old signature for the new manifest
    // (read back the head for nothing, then make the next run read its shard from disk). The
    // adoption looked at the disk itself and asked for a check if the head was not its own.
    if (this.ownRuns > 0 || this.manifest !== held) return;
    if (sig === this.signature || sig === undefined) return;
    let changed: string[] | 'all';
    try {
      changed = this.reload(held);
    } catch (err) {
      logger.error(`manifest changed on disk but cannot be read; still serving the last one: ${describeError(err)}`);
      this.signature = sig;
      this.exact = undefined;
      return;
    }
    if (this.manifest === held) return; // nothing new, or our own run adopted a newer one meanwhile
    this.signature = this.exact = sig;
    this.o.onChange(changed);
    logger.debug('manifest changed on disk (another isr run); reloaded');
  }

  /**
   * Read what another process changed: the head, then only the shards whose file name (id and
   * generation) differs from the ones held. A new split, or a head that moved on while we read,
   * is read whole. Synchronous from the head to the swap, so no run of ours interleaves.
   */
  private reload(held: Manifest): string[] | 'all' {
    const { config } = this.o;
    const head = openManifest(config.manifestFile, config.root);
    if (!head || this.ownRuns > 0 || this.manifest !== held) return [];
    const prev = held.shards;
    if (!head.shards || !prev || head.shards.bits !== prev.bits) {
      loadShards(head, config.manifestFile, config.root, 'all');
      const files = changedFiles(held, head);
      this.manifest = head;
      this.index();
      return files;
    }
    const ids = new Set(
      [...Object.keys(head.shards.info), ...Object.keys(prev.info)].filter((id) => head.shards!.info[id]?.file !== prev.info[id]?.file),
    );
    const generation = head.shards.generation;
    loadShards(head, config.manifestFile, config.root, ids);
    if (head.shards.generation !== generation) return this.reloadWhole(held);
    const pages = held.pages;
    if (ids.size === 0) {
      // Only the head moved (our own run's, or fields such as templates): no page changed.
      this.manifest = { ...head, pages, shards: { ...head.shards, loaded: 'all' } };
      return [];
    }
    const out = new Set<string>(DERIVED);
    for (const id of ids) {
      out.add(`sitemap-${id}.xml`);
      this.replaceShard(pages, id, head.pages, head.shards.bits, out);
    }
    this.manifest = { ...head, pages, shards: { ...head.shards, loaded: 'all' } };
    return [...out];
  }

  private reloadWhole(held: Manifest): string[] {
    const fresh = openManifest(this.o.config.manifestFile, this.o.config.root)!;
    loadShards(fresh, this.o.config.manifestFile, this.o.config.root, 'all');
    const files = changedFiles(held, fresh);
    this.manifest = fresh;
    this.index();
    return files;
  }

  /** Set (or delete, with `undefined`) one page in `pages`, keeping the indexes true. */
  private put(pages: Record<string, PageEntry>, key: string, entry: PageEntry | undefined, bits: number): void {
    const old = pages[key];
    if (old?.file && this.byFile.get(old.file) === key) this.byFile.delete(old.file);
    const id = shardOf(key, bits);
    if (entry) {
      pages[key] = entry;
      if (entry.file) this.byFile.set(entry.file, key);
      let keys = this.keysByShard.get(id);
      if (!keys) this.keysByShard.set(id, (keys = new Set()));
      keys.add(key);
    } else {
      delete pages[key];
      this.keysByShard.get(id)?.delete(key);
    }
  }

  /** Notice writes by other processes at once (inotify & co.); the stat check is the fallback. */
  private watchDisk(): void {
    const dir = this.o.config.stateDir;
    const name = path.basename(this.o.config.manifestFile);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.checkIfMoved();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // Some file systems cannot be watched: requests still stat the manifest every second.
    }
  }

  private index(): void {
    const byFile = new Map<string, string>();
    const keysByShard = new Map<string, Set<string>>();
    const bits = this.manifest.shards?.bits ?? 0;
    for (const key in this.manifest.pages) {
      const e = this.manifest.pages[key]!;
      if (e.file) byFile.set(e.file, key);
      const id = shardOf(key, bits);
      let keys = keysByShard.get(id);
      if (!keys) keysByShard.set(id, (keys = new Set()));
      keys.add(key);
    }
    this.byFile = byFile;
    this.keysByShard = keysByShard;
  }
}

/** Derived files (sitemap, _headers) follow the pages; the 404 page may be a plain file. */
const DERIVED = ['sitemap.xml', '404.html'];

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
  for (const f of DERIVED) out.add(f);
  for (const m of [a, b]) for (const id in m.shards?.info) out.add(`sitemap-${id}.xml`);
  return [...out];
}

/** manifest.ts `fileSignature` without blocking: a request may call it. */
async function signatureOf(file: string): Promise<Signature | undefined> {
  return stat(file).then(signatureOfStats, () => undefined);
}
