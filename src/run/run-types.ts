/**
 * What a run is given and gives back, and the context its stages share (run-site.ts runs them:
 * open-run → plan-run → execute-run → prepare-publish → publish-run).
 */
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { HeldManifest } from '../manifest/held.js';
import type { Manifest } from '../manifest/manifest.js';
import type { Plan, PlanOptions } from '../plan/plan-regen.js';
import type { Lease, SiteStore } from '../store/store.js';
import type { Durability } from '../write/durable.js';
import type { ExecuteResult } from './execute-plan.js';
import type { ObjectRun } from './object-state.js';

/**
 * Switches for tests and for bisecting a doubt. Read from the environment by the commands only
 * (commands/context.ts#runTuning), passed down from there.
 */
export interface RunTuning {
  /** false: read and write every shard whole, never by its lines (ISR_SHARD_PATCH=0). */
  shardPatch?: boolean;
  /** Pages per shard aimed at (ISR_PAGES_PER_SHARD; default 512). */
  pagesPerShard?: number;
  /** How long one load() may take, in ms (ISR_LOAD_TIMEOUT_MS; default 60,000). */
  loadTimeoutMs?: number;
  /** How long the run's lease lasts unless renewed, in ms (ISR_LEASE_MS, for tests; default 60,000). */
  leaseMs?: number;
}

export interface RunOptions extends PlanOptions, RunTuning {
  dryRun?: boolean;
  /** Seconds to wait for another run's lease. */
  waitSeconds?: number;
  now: number;
  logger: Logger;
  /** Which command holds the lease (shown to a run that finds it taken). */
  command: string;
  /** The manifest the caller holds in memory (`isr serve`): used when the disk still has it. */
  held?: HeldManifest;
  /**
   * Ask the sources' `changes` hooks what changed since the last published run (plan reason
   * `changed`): `isr build` and `isr regen` (unless `--no-detect`); not `isr serve`, whose
   * runs render what they are asked for (`--watch` has its watcher).
   */
  detect?: boolean;
  /** How the publish reaches the disk (default: fsync, write/durable.ts); tests pass a recorder. */
  durability?: Durability;
  /**
   * Where the site lives (default: its folders, store/fs-store.ts; tests wrap it). Any other kind
   * (S3, memory) is an object store: the run reads what it needs of it into a work folder of its
   * own and publishes by uploads (run/object-state.ts, run/object-publish.ts).
   */
  store?: SiteStore;
}

/**
 * What a run changed, said explicitly, so that a follower (isr serve's memory of the manifest)
 * takes exactly that instead of working it out from shard generations.
 */
export interface ChangeSet {
  /** URL paths whose manifest entry this run replaced (rendered or failed). */
  pages: string[];
  /** URL paths this run removed from the manifest. */
  removedPages: string[];
  /** Shards whose file this run replaced (`all`: the manifest was split anew). */
  shards: string[] | 'all';
  /** Store version of the head the run read (none: a first build). */
  fromVersion?: string;
  /** Store version of the head it wrote (none: it wrote none). */
  headVersion?: string;
}

export interface RunResult extends ExecuteResult {
  plan: Plan;
  /** Route listings that failed (their pages were kept). */
  listingErrors: { route: string; error: string }[];
  /**
   * Routes whose listing the run ran (fixed routes included: "listed" at no cost), for whatever
   * reason: due, named, a config change, or a change the sources' `changes` hooks found.
   * Absent: none (a result made outside runSite).
   */
  listed?: string[];
  /** The manifest as written (or as read, for a dry run / no-op). */
  manifest: Manifest;
  /** Store version of the manifest head this run wrote (none if it wrote none). */
  manifestSignature?: string;
  /** What it changed (nothing for a dry run or a run with nothing due). */
  changes: ChangeSet;
  durationMs: number;
}

/** What every stage of one run shares. */
export interface RunContext {
  readonly config: ResolvedConfig;
  readonly o: RunOptions;
  readonly started: number;
  readonly store: SiteStore;
  /** The site's run lease (none for a dry run, which writes nothing). */
  readonly lease?: Lease;
  readonly durable: Durability;
  /** Flushes done and their time: shown with --debug (the cost of durability on this disk). */
  readonly flushed: { n: number; ms: number };
  /** A site in an object store (S3): the run's work folder and what it read from the store (`config` is its). */
  readonly objects?: ObjectRun;
  /** Forget the signal handlers this run registered (its work folder, its lease). */
  readonly untrack?: () => void;
}

export function emptyResult(fromVersion?: string): ExecuteResult & { changes: ChangeSet } {
  return {
    rendered: [],
    written: [],
    unchanged: [],
    removed: [],
    failed: [],
    changes: { pages: [], removedPages: [], shards: [], ...(fromVersion ? { fromVersion } : {}) },
  };
}
