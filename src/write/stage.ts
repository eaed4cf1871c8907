import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { InternalError, pageWriteFailed, writeFailed } from '../errors.js';
import { yieldTurn } from '../time-slice.js';
import { type Durability, NOT_DURABLE } from './durable.js';
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
 *
 * A first build (no output folder yet, or an empty one) is staged whole instead: every file is
 * written under its own name in one temp folder, and `commit` renames that folder into place.
 * It is all-or-nothing in one step, and a page costs one write instead of a write and a rename
 * (the renames were ~4% of a 20k-page build).
 */
export class Stage {
  private readonly staged = new Map<string, string>();
  private readonly createdDirs = new Set<string>();
  private readonly renamed: string[] = [];

  /**
   * `fresh`: the temp folder of a whole-folder stage (see `freshStageDir`); then outDir is
   * absent or empty and nothing in it is compared or replaced.
   */
  constructor(
    private readonly outDir: string,
    private readonly fresh?: string,
  ) {}

  /**
   * Stage `data` for `rel` (outDir-relative). A later stage of the same file replaces it.
   * `existed`: the file was there before the run (a page rendered again), so its folder most
   * likely is: the write is tried first and the folder made only if it is gone. (A recursive
   * mkdir of an existing folder was ~70 µs here, a third of a small regen's per-page cost.)
   */
  async stage(rel: string, data: string | Uint8Array, existed = false): Promise<void> {
    const target = this.resolve(rel);
    if (this.fresh) return this.stageFresh(rel, target, data);
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
      throw pageWriteFailed(rel, err);
    }
    const previous = this.staged.get(rel);
    this.staged.set(rel, tmp);
    if (previous) rmSync(previous, { force: true });
  }

  private stageFresh(rel: string, target: string, data: string | Uint8Array): void {
    const file = path.join(this.fresh!, target.slice(this.outDir.length + 1));
    const dir = path.dirname(file);
    try {
      if (!this.createdDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.createdDirs.add(dir);
      }
      writeFileSync(file, data);
    } catch (err) {
      throw pageWriteFailed(rel, err);
    }
    this.staged.set(rel, file);
  }

  /**
   * Stage a copy of the file `src` for `rel` (a `public/` asset): copied by the kernel
   * (copy_file_range where it can), never read into memory, so a large video costs no heap.
   */
  stageCopy(rel: string, src: string): void {
    const target = this.resolve(rel);
    const file = this.fresh ? path.join(this.fresh, target.slice(this.outDir.length + 1)) : tempPathFor(target);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      copyFileSync(src, file);
    } catch (err) {
      try {
        if (!this.fresh) rmSync(file, { force: true });
      } catch {}
      throw writeFailed(rel, err, 'check the output folder is writable');
    }
    const previous = this.staged.get(rel);
    this.staged.set(rel, file);
    if (previous && previous !== file) rmSync(previous, { force: true });
  }

  /** True for a first build staged as one folder: outDir is empty, so nothing there to compare. */
  get wholeFolder(): boolean {
    return this.fresh !== undefined;
  }

  get size(): number {
    return this.staged.size;
  }

  /** Every staged file: outDir-relative name → its temp file (an object store uploads them from there). */
  get files(): ReadonlyMap<string, string> {
    return this.staged;
  }

  has(rel: string): boolean {
    return this.staged.has(rel);
  }

  /**
   * Rename every staged file into place. Returns the files published, outDir-relative.
   *
   * `durable` orders it for a power loss (see durable.ts): every staged file's bytes (and `also`,
   * the manifest's temp files, in the same flush) reach the disk before any rename. The folders
   * of the renamed entries (`renamedDirs`, each once however many pages it got) must be flushed
   * before a manifest naming them is published: the caller does it, with the manifest's shard
   * folder in the same flush (one flush fewer per run: ~5 ms of a one-page regen on ext4).
   */
  async commit(durable: Durability = NOT_DURABLE, also: readonly string[] = []): Promise<string[]> {
    if (this.fresh) {
      try {
        // The whole tree: its files, and its folders' entries (the new names inside them).
        await durable.flush([...this.staged.values(), ...this.createdDirs, this.fresh, ...also]);
      } catch (err) {
        throw writeFailed(path.basename(this.outDir), err, 'check the disk of the output folder');
      }
      // Over an empty folder too: rename(2) replaces an empty directory in one step. Made even
      // when nothing was staged, so that a built site always has its output folder.
      try {
        try {
          renameSync(this.fresh, this.outDir);
        } catch (err) {
          // Windows does not rename over an existing folder, even an empty one: remove it (which
          // fails if it is not empty) and rename again. The gap is a moment without the folder.
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'EPERM' && code !== 'EEXIST' && code !== 'EACCES') throw err;
          rmdirSync(this.outDir);
          renameSync(this.fresh, this.outDir);
        }
      } catch (err) {
        throw writeFailed(path.basename(this.outDir), err, 'the output folder must stay absent or empty during a first build');
      }
      // The folder's new name in its parent, and its old one gone from the state folder.
      this.renamed.push(path.dirname(this.outDir), path.dirname(this.fresh));
      const done = [...this.staged.keys()];
      this.staged.clear();
      return done;
    }
    try {
      await durable.flush([...this.staged.values(), ...also]);
    } catch (err) {
      throw writeFailed(path.basename(this.outDir), err, 'check the disk of the output folder');
    }
    const done: string[] = [];
    const dirs = new Set<string>();
    for (const [rel, tmp] of this.staged) {
      try {
        renameSync(tmp, this.resolve(rel));
      } catch (err) {
        throw writeFailed(rel, err, 'check the output folder is writable');
      }
      this.staged.delete(rel);
      done.push(rel);
      dirs.add(path.dirname(tmp));
      // Thousands of renames: let `isr serve` answer requests in between (time-slice.ts).
      await yieldTurn();
    }
    this.renamed.push(...dirs);
    return done;
  }

  /** The folders whose entries `commit` changed: to flush before publishing a manifest. */
  get renamedDirs(): readonly string[] {
    return this.renamed;
  }

  /** Delete every staged temp file; the published site is untouched. */
  async abort(): Promise<void> {
    if (this.fresh) {
      rmSync(this.fresh, { recursive: true, force: true });
      this.staged.clear();
      return;
    }
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
    if (!abs.startsWith(this.outDir + path.sep)) throw new InternalError(`output path ${rel} escapes outDir`);
    return abs;
  }
}

/**
 * The temp folder for staging a whole first build, made now; undefined when the output folder
 * cannot be staged whole (it has files, is a symlink or a mount point, or the state folder is on
 * another file system, so a rename could not move the folder in one step).
 *
 * It lives in the state folder (`.isr/`), whose temp files a run that takes over a crashed run's
 * lock sweeps, and is named like every temp file (`…isr-tmp`).
 */
export function freshStageDir(outDir: string, stateDir: string): string | undefined {
  try {
    const parentDev = statSync(path.dirname(outDir)).dev;
    if (statSync(stateDir).dev !== parentDev) return undefined;
    let out: Stats | undefined;
    try {
      out = lstatSync(outDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (out && (!out.isDirectory() || out.dev !== parentDev || readdirSync(outDir).length > 0)) return undefined;
    const dir = path.join(stateDir, path.basename(tempPathFor(outDir)));
    mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}
