/**
 * An immutable snapshot of the whole manifest: what `isr serve` answers requests from and what
 * its runs start from. Immutable by construction: its maps are private and no method changes
 * them; a change makes a new snapshot (`withPages`, `withShards`) that shares every bucket of
 * pages it does not touch with the old one (copy-on-write per bucket, so a webhook's change costs
 * its bucket, not the site: copying the 20k pages of one flat object took ~10 ms). A request that
 * started under one snapshot keeps reading that one, whatever is adopted meanwhile. Page
 * entries are shared with runs, which replace entries and never change one; with `freeze`
 * (tests) every entry and the head are frozen, so a change in place throws instead of passing.
 */
import { allLoaded, fileSignature, type Manifest, type PageEntry } from './manifest.js';
import { pathHash } from './shards.js';

type Bucket = ReadonlyMap<string, Readonly<PageEntry>>;
type Buckets<T> = readonly (T | undefined)[];

/**
 * Pages and output files are held in 2^BUCKET_BITS buckets each, by the top bits of their path's
 * hash (the hash that picks a page's shard, so the pages of one shard are a run of buckets). A
 * change copies the outer arrays (a few µs) and the buckets it touches (~20 entries each at 20k
 * pages), and a lookup hashes the path and reads one Map. Per manifest shard, as first done,
 * a webhook's change copied ~300 entries and a 256-entry index of files (~0.1-0.2 ms a webhook),
 * and each lookup made the shard id as a string.
 */
const BUCKET_BITS = 10;
const EMPTY: Bucket = new Map();

export class ManifestSnapshot {
  private constructor(
    /** The head: every field but the pages (`pages` is empty; `shards.loaded` is `all`). */
    readonly head: Readonly<Manifest>,
    /** Store version of the head file this snapshot is exactly; undefined when not known to be one. */
    readonly version: string | undefined,
    /** The manifest's split (its shards' hash bits). */
    private readonly bits: number,
    /** Pages by the top `spread` bits of the hash of their path. */
    private readonly pages: Buckets<Bucket>,
    /** Output file → page key, by the top bits of the hash of the file. */
    private readonly files: Buckets<ReadonlyMap<string, string>>,
    private readonly freeze: boolean,
  ) {}

  /** Hash bits that pick a bucket: at least the split's, so a shard is a run of whole buckets. */
  private static spread(bits: number): number {
    return Math.max(BUCKET_BITS, bits);
  }

  /** A snapshot of a manifest with every page loaded (the manifest is not kept: its pages are copied). */
  static of(m: Manifest, version: string | undefined, o: { freeze?: boolean } = {}): ManifestSnapshot {
    if (!allLoaded(m)) throw new Error('a snapshot needs every page of the manifest');
    const bits = m.shards?.bits ?? 0;
    const spread = ManifestSnapshot.spread(bits);
    const pages: Map<string, PageEntry>[] = new Array(2 ** spread);
    const files: Map<string, string>[] = new Array(2 ** BUCKET_BITS);
    for (const key in m.pages) {
      const e = m.pages[key]!;
      (pages[bucketOf(key, spread)] ??= new Map()).set(key, e);
      if (e.file) (files[bucketOf(e.file, BUCKET_BITS)] ??= new Map()).set(e.file, key);
      if (o.freeze) Object.freeze(e);
    }
    return new ManifestSnapshot(headOf(m, o.freeze), version, bits, pages, files, !!o.freeze);
  }

  page(key: string): Readonly<PageEntry> | undefined {
    return this.pages[bucketOf(key, ManifestSnapshot.spread(this.bits))]?.get(key);
  }

  /** The page whose output file this is (`blog/x/index.html` → `/blog/x/`). */
  ownerOf(file: string): string | undefined {
    return this.files[bucketOf(file, BUCKET_BITS)]?.get(file);
  }

  /** The pages of one shard of the manifest, with their entries. */
  *shardEntries(shardId: string): Generator<[string, Readonly<PageEntry>]> {
    for (const b of this.bucketsOf(shardId)) yield* this.pages[b] ?? EMPTY;
  }

  /** Every page with its entry. */
  *entries(): Generator<[string, Readonly<PageEntry>]> {
    for (const b of this.pages) if (b) yield* b;
  }

  /** A fresh manifest with every page (O(pages): for watch mode, tests and tools, not per request). */
  toManifest(): Manifest {
    const pages: Record<string, PageEntry> = {};
    for (const [k, e] of this.entries()) pages[k] = e;
    return { ...this.head, pages, ...(this.head.shards ? { shards: { ...this.head.shards, loaded: 'all' } } : {}) };
  }

  /**
   * This snapshot with some pages replaced (`undefined`: removed) and the head `head` (of the same
   * split; its pages are ignored), as the head at `version`.
   */
  withPages(head: Manifest, version: string | undefined, changes: Iterable<[string, PageEntry | undefined]>): ManifestSnapshot {
    const steps = this.withPagesSteps(head, version, changes);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `withPages`, pausing (`yield`) every 512 pages: 20,000 pages of one big run took ~30 ms to take
   * in one go (time-slice.ts runs it). Requests meanwhile read this snapshot, which is unchanged.
   */
  *withPagesSteps(
    head: Manifest,
    version: string | undefined,
    changes: Iterable<[string, PageEntry | undefined]>,
  ): Generator<void, ManifestSnapshot> {
    const spread = ManifestSnapshot.spread(this.bits);
    const pages = this.pages.slice();
    const files = this.files.slice();
    // The buckets copied for this snapshot: changed in place until it is handed out, never after.
    const own = new Set<ReadonlyMap<string, unknown>>();
    const writable = <T>(buckets: (ReadonlyMap<string, T> | undefined)[], b: number): Map<string, T> => {
      const m = buckets[b];
      if (m && own.has(m)) return m as Map<string, T>;
      const copy = new Map(m ?? []);
      buckets[b] = copy;
      own.add(copy);
      return copy;
    };
    let n = 0;
    for (const [key, entry] of changes) {
      const s = writable(pages, bucketOf(key, spread));
      const old = s.get(key);
      if (old?.file && this.ownerOf(old.file) === key) writable(files, bucketOf(old.file, BUCKET_BITS)).delete(old.file);
      if (entry) {
        if (this.freeze) Object.freeze(entry);
        s.set(key, entry);
        if (entry.file) writable(files, bucketOf(entry.file, BUCKET_BITS)).set(entry.file, key);
      } else s.delete(key);
      if (++n % 512 === 0) yield;
    }
    return new ManifestSnapshot(headOf(head, this.freeze), version, this.bits, pages, files, this.freeze);
  }

  /**
   * This snapshot with whole shards replaced by their pages in `from` (a manifest of the same split
   * with those shards loaded), as the head of `from` at `version`. Returns the pages whose entry
   * differs, with their entries before and after.
   */
  withShards(from: Manifest, ids: Iterable<string>, version: string | undefined): { next: ManifestSnapshot; changed: PageChange[] } {
    const changed: PageChange[] = [];
    const changes: [string, PageEntry | undefined][] = [];
    const wanted = new Set(ids);
    const spread = ManifestSnapshot.spread(this.bits);
    const inShards = (key: string) => wanted.has(shardIdOf(bucketOf(key, spread), spread, this.bits));
    for (const id of wanted) {
      for (const [key, before] of this.shardEntries(id)) {
        if (Object.hasOwn(from.pages, key)) continue;
        changes.push([key, undefined]);
        changed.push({ key, before });
      }
    }
    for (const key in from.pages) {
      if (!inShards(key)) continue;
      const before = this.page(key);
      const after = from.pages[key]!;
      if (before === after) continue;
      changes.push([key, after]);
      changed.push({ key, before, after });
    }
    return { next: this.withPages(from, version, changes), changed };
  }

  /** Every page whose entry differs between this snapshot and `b` (a manifest with every page loaded). */
  diff(b: Manifest): PageChange[] {
    const out: PageChange[] = [];
    for (const [key, before] of this.entries()) {
      const after = Object.hasOwn(b.pages, key) ? b.pages[key] : undefined;
      if (before !== after) out.push({ key, before, after });
    }
    for (const key in b.pages) if (!this.page(key)) out.push({ key, after: b.pages[key]! });
    return out;
  }

  /** The same pages, known (or no longer known) to be the head at `version`. */
  asVersion(version: string | undefined): ManifestSnapshot {
    return new ManifestSnapshot(this.head, version, this.bits, this.pages, this.files, this.freeze);
  }

  /** The buckets that hold the pages of one manifest shard: a run of them (all, unsplit). */
  private *bucketsOf(shardId: string): Generator<number> {
    const spread = ManifestSnapshot.spread(this.bits);
    const width = spread - this.bits;
    const first = this.bits === 0 ? 0 : Number.parseInt(shardId, 16) << width;
    const end = this.bits === 0 ? 2 ** spread : first + 2 ** width;
    for (let b = first; b < end; b++) yield b;
  }

  /** True when `m`'s pages are split as this snapshot's are (its changes can be taken shard by shard). */
  sameSplit(m: Manifest): boolean {
    return !!m.shards && !!this.head.shards && m.shards.bits === this.bits;
  }
}

/** One page's entry before and after a change (`undefined`: absent). */
export interface PageChange {
  key: string;
  before?: Readonly<PageEntry>;
  after?: Readonly<PageEntry>;
}

/**
 * The head of a snapshot as a run's starting point (no page loaded yet: `loadFromSnapshot` adds
 * the shards the run needs), or `undefined` when the head on disk is no longer that one (another
 * process wrote since): the run then reads the files. Call it under the lease, so the disk
 * cannot move on after the comparison. The copy shares entries with the snapshot.
 */
export function openFromSnapshot(s: ManifestSnapshot, file: string): Manifest | undefined {
  const m = s.head;
  if (!m.shards || s.version === undefined || fileSignature(file) !== s.version) return undefined;
  return { ...m, routes: { ...m.routes }, pages: {}, shards: { ...m.shards, info: { ...m.shards.info }, loaded: new Set() } };
}

/** `loadShards` for a manifest opened with `openFromSnapshot`: the pages come from memory. */
export function loadFromSnapshot(m: Manifest, s: ManifestSnapshot, ids: Iterable<string> | 'all'): void {
  const table = m.shards;
  if (!table || table.loaded === 'all') return;
  const loaded = table.loaded;
  for (const id of ids === 'all' ? Object.keys(table.info) : ids) {
    if (!table.info[id] || loaded.has(id)) continue;
    for (const [key, e] of s.shardEntries(id)) m.pages[key] = e;
    loaded.add(id);
  }
  if (ids === 'all') table.loaded = 'all';
}

function headOf(m: Manifest, freeze: boolean | undefined): Readonly<Manifest> {
  const head: Manifest = { ...m, pages: {}, ...(m.shards ? { shards: { ...m.shards, loaded: 'all' } } : {}) };
  delete head.shards?.partial;
  if (freeze) {
    // The records and what they hold: route and template entries, and the shard summaries, whose
    // serialized text the writer caches by object (write-manifest.ts headText).
    for (const o of [head.routes, head.templates, head.shards?.info]) {
      if (!o) continue;
      for (const v of Object.values(o)) Object.freeze(v);
      Object.freeze(o);
    }
    Object.freeze(head.pages);
    Object.freeze(head.shards);
    Object.freeze(head);
  }
  return head;
}

/** The bucket of a path (page key or output file) among 2^spread. */
function bucketOf(p: string, spread: number): number {
  return pathHash(p) >>> (32 - spread);
}

/** The manifest shard id of a bucket (shards.ts `shardOf`: the top `bits` of the same hash). */
function shardIdOf(bucket: number, spread: number, bits: number): string {
  return bits === 0 ? '0' : (bucket >>> (spread - bits)).toString(16).padStart(Math.ceil(bits / 4), '0');
}
