/**
 * The hot-path store of `isr serve`: a bounded LRU of file bytes with their ETag, type and
 * compressed variants, so a cached page costs no stat, no read and no compression per request.
 * Entries are dropped when a regeneration writes or removes their file, when the manifest
 * changes on disk, or when the LRU needs room; a periodic stat catches hand edits.
 */

/** One file held in memory. `body` is what is served (in watch mode: with the reload script). */
export interface CachedFile {
  /** outDir-relative path. */
  rel: string;
  body: Buffer;
  /** Strong ETag of `body`, quoted. Compressed variants append `-br` / `-gz` inside the quotes. */
  etag: string;
  type: string;
  compressible: boolean;
  /** Identity of the file on disk when it was read: a change to any of these means re-read. */
  ino: number;
  size: number;
  mtimeMs: number;
  /** performance.now() of the last check against the disk. */
  checkedAt: number;
  br?: Buffer | Promise<Buffer>;
  gzip?: Buffer | Promise<Buffer>;
}

export class MemoryCache {
  private readonly entries = new Map<string, CachedFile>();
  private used = 0;
  private newest: string | undefined;

  /**
   * @param maxBytes total bytes held (bodies and variants).
   * @param maxFileBytes files larger than this are streamed from disk, never held.
   */
  constructor(
    readonly maxBytes: number,
    readonly maxFileBytes: number,
  ) {}

  get(rel: string): CachedFile | undefined {
    const e = this.entries.get(rel);
    if (e && this.newest !== rel) {
      // Re-insert: Map iteration order is insertion order, so the first key is the LRU one.
      // (Skipped when it already is the newest: a single hot page costs no Map churn.)
      this.entries.delete(rel);
      this.entries.set(rel, e);
      this.newest = rel;
    }
    return e;
  }

  set(file: CachedFile): void {
    this.delete(file.rel);
    this.entries.set(file.rel, file);
    this.newest = file.rel;
    this.used += file.body.length;
    this.evict();
  }

  /** Account for a compressed variant added to an entry still in the cache. */
  grew(file: CachedFile, bytes: number): void {
    if (this.entries.get(file.rel) !== file) return;
    this.used += bytes;
    this.evict();
  }

  delete(rel: string): void {
    const e = this.entries.get(rel);
    if (!e) return;
    this.entries.delete(rel);
    if (this.newest === rel) this.newest = undefined;
    this.used -= sizeOf(e);
  }

  clear(): void {
    this.entries.clear();
    this.newest = undefined;
    this.used = 0;
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    for (const [rel] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.delete(rel);
    }
  }
}

function sizeOf(e: CachedFile): number {
  const v = (b: Buffer | Promise<Buffer> | undefined) => (Buffer.isBuffer(b) ? b.length : 0);
  return e.body.length + v(e.br) + v(e.gzip);
}
