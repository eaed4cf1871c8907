/**
 * Files of outDir as the server sees them: from the memory cache when held and recently
 * checked, else from disk (safely: see static-files.ts). A held file is compared with the disk
 * at most once per `recheckMs`, so hand edits and another process's writes show up without a
 * stat per request; regenerations and manifest changes invalidate entries at once.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hash } from '../hash.js';
import type { CachedFile, MemoryCache } from './memory-cache.js';
import { contentTypeOf, type FoundFile, isCompressible, statInside } from './static-files.js';

/** A file too large to hold in memory: streamed from disk per request. */
export interface DiskFile {
  rel: string;
  found: FoundFile;
  etag: string;
  type: string;
  open(range?: { start: number; end: number }): ReadStream;
}

export type ServedFile = CachedFile | DiskFile;

export function isCached(f: ServedFile): f is CachedFile {
  return (f as CachedFile).body !== undefined;
}

export interface FileStoreOptions {
  outDir: string;
  realOutDir: string;
  cache: MemoryCache;
  /** Rewrites an HTML body before it is held (watch mode: the live-reload script). */
  transformHtml?: (body: Buffer) => Buffer;
  recheckMs?: number;
}

export class FileStore {
  private readonly loading = new Map<string, Promise<ServedFile | undefined>>();
  private readonly recheckMs: number;
  /** Bumped by every invalidation, so a read that started before one is not cached after it. */
  private epoch = 0;

  constructor(private readonly o: FileStoreOptions) {
    this.recheckMs = o.recheckMs ?? 1000;
  }

  /** The held file when it needs no disk access now (the hot path), else undefined. */
  peek(rel: string): CachedFile | undefined {
    const f = this.o.cache.get(rel);
    return f && performance.now() - f.checkedAt < this.recheckMs ? f : undefined;
  }

  /** The file, from memory or disk; undefined when it is not (or no longer) there. */
  get(rel: string): Promise<ServedFile | undefined> | ServedFile {
    const hot = this.peek(rel);
    if (hot) return hot;
    let p = this.loading.get(rel);
    if (!p) {
      p = this.load(rel).finally(() => this.loading.delete(rel));
      this.loading.set(rel, p);
    }
    return p;
  }

  invalidate(rels: Iterable<string>): void {
    this.epoch++;
    for (const rel of rels) {
      this.o.cache.delete(rel);
      this.loading.delete(rel);
    }
  }

  invalidateAll(): void {
    this.epoch++;
    this.o.cache.clear();
    this.loading.clear();
  }

  private async load(rel: string): Promise<ServedFile | undefined> {
    const epoch = this.epoch;
    const found = await statInside(this.o.outDir, this.o.realOutDir, rel);
    const held = this.o.cache.get(rel);
    if (!found) {
      this.o.cache.delete(rel);
      return undefined;
    }
    if (held && held.ino === found.ino && held.size === found.size && held.mtimeMs === found.mtimeMs) {
      held.checkedAt = performance.now();
      return held;
    }
    const type = contentTypeOf(rel);
    if (found.size > this.o.cache.maxFileBytes) {
      this.o.cache.delete(rel);
      return {
        rel,
        found,
        type,
        etag: `W/"${found.size.toString(36)}-${Math.floor(found.mtimeMs).toString(36)}-${found.ino.toString(36)}"`,
        open: (range) => createReadStream(found.abs, range),
      };
    }
    let body: Buffer;
    try {
      body = await readFile(found.abs);
    } catch {
      return undefined; // replaced or removed between stat and read: treat as absent this time
    }
    if (this.o.transformHtml && type.startsWith('text/html')) body = this.o.transformHtml(body);
    const file: CachedFile = {
      rel,
      body,
      etag: `"${hash(body)}"`,
      type,
      compressible: isCompressible(type),
      ino: found.ino,
      size: found.size,
      mtimeMs: found.mtimeMs,
      checkedAt: performance.now(),
    };
    if (epoch === this.epoch) this.o.cache.set(file);
    return file;
  }
}
