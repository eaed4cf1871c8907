/**
 * When `isr serve` looks at the manifest on disk for another process's write: on a file watch
 * event (inotify & co.), at most every `checkEveryMs` on a request (the fallback where watching
 * is not possible), and after each run of its own. Never while a run of its own holds the site:
 * that run's result says what it changed (manifest-owner.ts `adopt`).
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileSignature, signatureOfStats } from '../manifest/manifest.js';

export interface DiskCheckOptions {
  file: string;
  checkEveryMs: number;
  /** The snapshot held now (compared by identity) and the head version it is exactly, if known. */
  held(): { version: string | undefined };
  /** Follow the disk now (synchronous); false when it could not be read. */
  follow(): boolean;
}

export class DiskCheck {
  private paused = 0;
  /** The version of a head that could not be read: not read again until it changes. */
  private failedAt: string | undefined;
  private lastCheck = performance.now();
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private watcher: FSWatcher | undefined;

  constructor(private readonly o: DiskCheckOptions) {}

  /** A run of ours holds the site: no check until `resume`. */
  pause(): void {
    this.paused++;
  }

  resume(): void {
    this.paused = Math.max(0, this.paused - 1);
  }

  /** Called per request: at most every `checkEveryMs`, look at the disk in the background. */
  maybeCheck(): void {
    const t = performance.now();
    if (t - this.lastCheck < this.o.checkEveryMs) return;
    this.lastCheck = t;
    void this.check();
  }

  /**
   * A check, unless one synchronous stat (microseconds) shows the file is still the head held:
   * what the adoption of a run and the watch event of its own publish nearly always find. A check
   * through the promise API cost ~0.2 ms of this thread on every webhook. Not for the request
   * path, which must not block on the disk (`maybeCheck`).
   */
  checkIfMoved(): void {
    const seen = this.seen();
    if (this.paused === 0 && seen !== undefined && fileSignature(this.o.file) === seen) return;
    void this.check();
  }

  /**
   * Follow the manifest now if the file on disk is not the one held. A call made while a check
   * is under way makes it look once more when done: that check may have read the head just
   * before the write that prompted this call (a lost wake-up, which left the server one cron run
   * behind until the next request's check).
   */
  check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.checkAgain = false;
        await this.followIfMoved();
      } while (this.checkAgain);
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Notice writes by other processes at once; the stat on requests is the fallback. */
  watch(): void {
    const name = path.basename(this.o.file);
    try {
      this.watcher = watch(path.dirname(this.o.file), { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.checkIfMoved();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // Some file systems cannot be watched: requests still stat the manifest every second.
    }
  }

  close(): void {
    this.watcher?.close();
  }

  /** The head version last looked at: the one held, or one that could not be read. */
  private seen(): string | undefined {
    return this.o.held().version ?? this.failedAt;
  }

  private async followIfMoved(): Promise<void> {
    if (this.paused > 0) return;
    const held = this.o.held();
    const sig = await stat(this.o.file).then(signatureOfStats, () => undefined);
    // A run of ours started or was adopted while the stat was out: its answer may be the file
    // from before that run, and following it would read back what the adoption took.
    if (this.paused > 0 || this.o.held() !== held) return;
    if (sig === undefined || sig === this.seen()) return;
    this.failedAt = this.o.follow() ? undefined : sig;
  }
}
