import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeFailed } from '../errors.js';
import { tempPathFor } from './write-atomic.js';

/**
 * Two-phase publishing. During a run every page is written to a temp file beside its target
 * (`stage`); nothing visible changes. `commit` then renames them all into place, which is fast
 * and per-file atomic; `abort` deletes them. So bad input found halfway through a run publishes
 * nothing, and a crash before commit leaves the old site whole (temp files are swept later).
 *
 * The file calls are synchronous on purpose: each is a few microseconds on a local file system,
 * while the promise API costs a thread-pool round trip per call (open, write, close, rename),
 * which on a 2-core machine made a 20k-page build spend most of its time switching threads
 * (see BENCHMARKS.md). A regeneration in `isr serve` stages a few pages, so the event loop is
 * held for microseconds.
 */
export class Stage {
  private readonly staged = new Map<string, string>();
  private readonly createdDirs = new Set<string>();

  constructor(private readonly outDir: string) {}

  /**
   * Stage `data` for `rel` (outDir-relative). A later stage of the same file replaces it.
   * `existed`: the file was there before the run (a page rendered again), so its folder most
   * likely is: the write is tried first and the folder made only if it is gone. (A recursive
   * mkdir of an existing folder was ~70 µs here, a third of a small regen's per-page cost.)
   */
  async stage(rel: string, data: string | Uint8Array, existed = false): Promise<void> {
    const target = this.resolve(rel);
    const dir = path.dirname(target);
    const tmp = tempPathFor(target);
    try {
      if (existed && !this.createdDirs.has(dir)) {
        try {
          writeFileSync(tmp, data);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          mkdirSync(dir, { recursive: true });
          writeFileSync(tmp, data);
        }
        this.createdDirs.add(dir);
      } else {
        if (!this.createdDirs.has(dir)) {
          mkdirSync(dir, { recursive: true });
          this.createdDirs.add(dir);
        }
        writeFileSync(tmp, data);
      }
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {}
      throw writeFailed(rel, err, 'check the output folder is writable');
    }
    const previous = this.staged.get(rel);
    this.staged.set(rel, tmp);
    if (previous) rmSync(previous, { force: true });
  }

  get size(): number {
    return this.staged.size;
  }

  has(rel: string): boolean {
    return this.staged.has(rel);
  }

  /** Rename every staged file into place. Returns the files published, outDir-relative. */
  async commit(): Promise<string[]> {
    const done: string[] = [];
    for (const [rel, tmp] of this.staged) {
      try {
        renameSync(tmp, this.resolve(rel));
      } catch (err) {
        throw writeFailed(rel, err, 'check the output folder is writable');
      }
      this.staged.delete(rel);
      done.push(rel);
    }
    return done;
  }

  /** Delete every staged temp file; the published site is untouched. */
  async abort(): Promise<void> {
    for (const tmp of this.staged.values()) {
      try {
        rmSync(tmp, { force: true });
      } catch {}
    }
    this.staged.clear();
  }

  resolve(rel: string): string {
    const abs = path.resolve(this.outDir, rel);
    // Defence in depth: params are validated earlier, but no write may ever leave outDir.
    if (!abs.startsWith(this.outDir + path.sep)) throw new Error(`Invariant: output path ${rel} escapes outDir`);
    return abs;
  }
}
