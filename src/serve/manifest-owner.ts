/**
 * The one owner of the manifest in `isr serve`. It holds an immutable snapshot (manifest/
 * snapshot.ts), which requests and runs read, and replaces it whole on every change. It follows
 * change sets: its own runs' (from their result, in memory), and those of other processes (a
 * cron `isr regen`), recorded in the head they publish and found by the head's version
 * (manifest/follow-head.ts). A change set that does not apply to the snapshot held (a head was
 * missed, the change is `all`) reads the manifest whole: the one reload path. Each change
 * reports the output files it touched, so the memory cache drops exactly those.
 */
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError, IsrError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Followed, followHead, readSnapshot } from '../manifest/follow-head.js';
import { allLoaded, loadShards, type Manifest, type PageEntry } from '../manifest/manifest.js';
import { ManifestSnapshot } from '../manifest/snapshot.js';
import type { ChangeSet } from '../run/run-types.js';
import { runStepsSliced } from '../time-slice.js';
import { filesOfChanges } from './changed-files.js';
import { DiskCheck } from './disk-check.js';

export interface ManifestOwnerOptions {
  config: ResolvedConfig;
  logger: Logger;
  /** Output files whose bytes may have changed (outDir-relative); `all` when unknown. */
  onChange(files: string[] | 'all'): void;
  /** How often a request may trigger a stat of the manifest. */
  checkEveryMs?: number;
  /** Freeze every snapshot (its head and page entries), so a change in place throws: for tests. */
  freezeSnapshots?: boolean;
  /** Told how each change of another process was taken: for tests and `--debug`. */
  onFollow?(how: Followed['how']): void;
}

/** What a run of our own changed (a `RunResult` has these). */
export interface OwnRun {
  manifest: Manifest;
  /** The version of the manifest head the run wrote, taken under its lease. */
  manifestSignature?: string;
  /** The run's change set: the pages it replaced and removed, the head version it read. */
  changes: Pick<ChangeSet, 'pages' | 'removedPages' | 'fromVersion'>;
}

export class ManifestOwner {
  private current: ManifestSnapshot;
  /** How other processes' changes were taken since start (tests, debug). */
  readonly followed = { delta: 0, reload: 0 };
  private readonly disk: DiskCheck;

  private constructor(
    private readonly o: ManifestOwnerOptions,
    snapshot: ManifestSnapshot,
  ) {
    this.current = snapshot;
    this.disk = new DiskCheck({
      file: o.config.manifestFile,
      checkEveryMs: o.checkEveryMs ?? 1000,
      held: () => this.snapshot,
      follow: () => this.followDisk(),
    });
  }

  static async load(o: ManifestOwnerOptions): Promise<ManifestOwner> {
    const { config } = o;
    const first = readSnapshot(config.manifestFile, config.root, { freeze: o.freezeSnapshots });
    if (!first) {
      const rel = path.relative(config.root, config.manifestFile);
      throw new IsrError('MANIFEST_MISSING', `no manifest at ${rel}: nothing has been built to serve`, { hint: 'run `isr build` first' });
    }
    const owner = new ManifestOwner(o, first);
    owner.disk.watch();
    return owner;
  }

  /** What requests and runs read now: replaced whole on every change, never changed in place. */
  get snapshot(): ManifestSnapshot {
    return this.current;
  }

  /**
   * What a run of ours may start from instead of reading the manifest files: the snapshot, when
   * it is known to be the head at its version. The run compares that version with the disk under
   * its lease.
   */
  held(): ManifestSnapshot | undefined {
    const s = this.snapshot;
    return s.version !== undefined && s.head.shards ? s : undefined;
  }

  /**
   * A run of ours starts: the manifest file will change under us, and the run's result says how,
   * so disk checks wait for `adopt` (or `ownRunFailed`). Without this, the file watch fires as the
   * run publishes and the server would read back what it is about to adopt.
   */
  ownRunStarted(): void {
    this.disk.pause();
  }

  ownRunFailed(): void {
    this.disk.resume();
    void this.check();
  }

  /**
   * After one of our own runs: take its change set. When the run read the very head we hold (its
   * `fromVersion` is our version) and wrote one, the pages of its change set are all that changed,
   * and the head it wrote becomes ours; one that read our head and wrote nothing changed nothing.
   * Otherwise another process published in between: the shards the run loaded are taken whole
   * (they include that write), and the disk check that follows reads what else it changed.
   */
  async adopt(run: OwnRun, changedFiles: string[]): Promise<void> {
    let taken: string[] = [];
    try {
      const s = this.snapshot;
      const wrote = run.manifestSignature !== undefined;
      const fromOurs = s.version !== undefined && run.changes.fromVersion === s.version;
      if (fromOurs && wrote && s.sameSplit(run.manifest)) {
        const pages = run.manifest.pages;
        const keys = [...run.changes.pages, ...run.changes.removedPages];
        const changes = keys.map((k): [string, PageEntry | undefined] => [k, Object.hasOwn(pages, k) ? pages[k] : undefined]);
        // Sliced: requests meanwhile read the snapshot they have, which does not change.
        this.current = await runStepsSliced(s.withPagesSteps(run.manifest, run.manifestSignature, changes));
      } else if (!fromOurs || wrote) {
        // The version of what is taken: the run's head when it read ours (a new split: it holds
        // every page); none when it wrote over a head we never held (its change set follows that
        // one); ours when it wrote nothing, since the head on disk then records its change
        // against ours, and taking that delta again over these shards gives the same pages.
        taken = this.takeLoaded(run, fromOurs ? run.manifestSignature : wrote ? undefined : s.version);
      }
    } finally {
      this.disk.resume();
    }
    this.o.onChange([...changedFiles, ...taken]);
    // Another process may have published after the run released its lease (its watch event was
    // ignored while the run held us): look at the disk.
    this.disk.checkIfMoved();
  }

  /** The shards a run loaded, taken whole, as the head at `version`; the output files whose pages differ. */
  private takeLoaded(run: OwnRun, version: string | undefined): string[] {
    const s = this.snapshot;
    const next = run.manifest;
    if (allLoaded(next) || !s.sameSplit(next)) {
      // The rest read from the disk now may be newer than the run's head: no version then.
      const exact = allLoaded(next);
      if (!exact) loadShards(next, this.o.config.manifestFile, this.o.config.root, 'all');
      const changed = s.diff(next);
      this.current = ManifestSnapshot.of(next, exact ? version : undefined, { freeze: this.o.freezeSnapshots });
      return filesOfChanges(changed, [...shardIds(s), ...Object.keys(next.shards?.info ?? {})]);
    }
    const { next: snapshot, changed } = s.withShards(next, next.shards!.loaded as Set<string>, version);
    this.current = snapshot;
    return filesOfChanges(changed, []);
  }

  page(key: string): Readonly<PageEntry> | undefined {
    return this.current.page(key);
  }

  /** Called per request: at most every `checkEveryMs`, look at the disk in the background. */
  maybeCheck(): void {
    this.disk.maybeCheck();
  }

  /** Follow the manifest on disk now if it is not the head we hold (see disk-check.ts). */
  check(): Promise<void> {
    return this.disk.check();
  }

  close(): void {
    this.disk.close();
  }

  /**
   * Read what another process published. Returns whether the disk's head is now the one held
   * (false: it could not be read, the server goes on with the last one).
   */
  private followDisk(): boolean {
    const { config, logger } = this.o;
    const held = this.snapshot;
    let f: Followed | undefined;
    try {
      f = followHead(held, config.manifestFile, config.root, { freeze: this.o.freezeSnapshots });
    } catch (err) {
      logger.error(`manifest changed on disk but cannot be read; still serving the last one: ${describeError(err)}`);
      this.current = held.asVersion(undefined);
      return false;
    }
    if (!f || f.next === held) return true;
    this.current = f.next;
    this.followed[f.how]++;
    this.o.onFollow?.(f.how);
    this.o.onChange(filesOfChanges(f.changed, f.shards));
    logger.debug(
      f.how === 'delta'
        ? `manifest: took another isr run's change set (${f.changed.length} page(s), ${f.shards.length} shard(s))`
        : 'manifest changed on disk (another isr run); reloaded whole',
    );
    return true;
  }
}

function shardIds(s: ManifestSnapshot): string[] {
  return Object.keys(s.head.shards?.info ?? {});
}
