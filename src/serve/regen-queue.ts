/**
 * Serialises the server's regenerations and merges them. At most one run at a time (each run
 * takes the site lock anyway); everything asked for while one runs is merged into the next run.
 * A path or tag already in the running or the next run is not asked for twice: callers join
 * that run (single flight per path), so a burst of stale requests costs one regeneration.
 */
import type { RunResult } from '../run/run-site.js';
import { yieldTurn } from '../time-slice.js';

export interface RegenRequest {
  paths?: readonly string[];
  /**
   * Paths to render only if they are still due when the run reads the manifest (a page served
   * stale: another process may render it first). A path also asked for in `paths` is rendered.
   */
  due?: readonly string[];
  tags?: readonly string[];
  /** Expired notFound answers of on-demand paths to drop from the manifest (see PlanOptions.dropNotFound). */
  drop?: readonly string[];
  /**
   * A full regen (watch mode): the planner also finds expired, template-changed and
   * config-changed pages and re-lists routes, instead of rendering only what is named.
   */
  full?: boolean;
  /**
   * Join the running run when it already covers the request (default). A file watcher says
   * false: its change happened after that run read its input.
   */
  join?: boolean;
}

/** What one run is asked to do: the union of the requests merged into it. */
export interface RegenJob {
  paths: string[];
  /** Rendered only if still due (see RegenRequest.due); none of them is in `paths`. */
  due: string[];
  tags: string[];
  /** See RegenRequest.drop; absent when there is none. */
  drop?: string[];
  full: boolean;
}

/** The part of a run's result a caller sees (merged when a request spans two runs). */
export type RegenOutcome = Pick<RunResult, 'rendered' | 'written' | 'unchanged' | 'removed' | 'failed'> & {
  errors: { path: string; message: string }[];
  unmatchedTags: string[];
  durationMs: number;
};

interface Batch {
  paths: Set<string>;
  due: Set<string>;
  tags: Set<string>;
  drop: Set<string>;
  full: boolean;
  promise: Promise<RunResult>;
  resolve(r: RunResult): void;
  reject(e: unknown): void;
}

export class RegenQueue {
  private running: Batch | undefined;
  private pending: Batch | undefined;
  private closed = false;
  private drained: Array<() => void> = [];

  constructor(private readonly run: (job: RegenJob) => Promise<RunResult>) {}

  /** True when `path` is being regenerated or is queued for the next run. */
  has(path: string): boolean {
    const has = (b: Batch | undefined) => Boolean(b && (b.paths.has(path) || b.due.has(path)));
    return has(this.running) || has(this.pending);
  }

  get busy(): boolean {
    return Boolean(this.running || this.pending);
  }

  request(req: RegenRequest): Promise<RegenOutcome> {
    if (this.closed) return Promise.reject(new Error('the server is shutting down'));
    const paths = [...new Set(req.paths ?? [])];
    const due = [...new Set(req.due ?? [])];
    const tags = [...new Set(req.tags ?? [])];
    const join = req.join !== false && !req.full;
    const r = this.running;
    const waits: Promise<RunResult>[] = [];
    // A path asked for outright does not join a run that has it only if due (it may skip it).
    const restPaths = join && r ? paths.filter((p) => !r.paths.has(p)) : paths;
    const restDue = join && r ? due.filter((p) => !r.paths.has(p) && !r.due.has(p)) : due;
    const restTags = join && r ? tags.filter((t) => !r.tags.has(t)) : tags;
    if (r && join && (restPaths.length < paths.length || restDue.length < due.length || restTags.length < tags.length))
      waits.push(r.promise);
    if (restPaths.length || restDue.length || restTags.length || req.full || waits.length === 0) {
      const p = (this.pending ??= newBatch());
      for (const x of restPaths) p.paths.add(x);
      for (const x of restDue) p.due.add(x);
      for (const x of restTags) p.tags.add(x);
      for (const x of req.drop ?? []) p.drop.add(x);
      if (req.full) p.full = true;
      waits.push(p.promise);
      queueMicrotask(() => this.kick());
    }
    // The callers of a big run take turns with requests (time-slice.ts), and those that waited on
    // that run alone share one outcome: merging its ~20k-path lists once per caller was ~5 ms each.
    return Promise.all(waits).then(async (results) => {
      await yieldTurn();
      return results.length === 1 ? outcomeOf(results[0]!) : merge(results);
    });
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Refuse new requests and drop the queued run; the running one finishes (its writes are atomic). */
  async close(): Promise<void> {
    this.closed = true;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new Error('the server is shutting down'));
    if (this.running) await this.running.promise.catch(() => {});
    for (const d of this.drained.splice(0)) d();
  }

  private kick(): void {
    if (this.running || !this.pending) return;
    const b = (this.running = this.pending);
    this.pending = undefined;
    this.run({
      paths: [...b.paths],
      due: [...b.due].filter((p) => !b.paths.has(p)),
      tags: [...b.tags],
      ...(b.drop.size ? { drop: [...b.drop] } : {}),
      full: b.full,
    })
      .then(b.resolve, b.reject)
      .finally(() => {
        this.running = undefined;
        this.kick();
        if (!this.busy) for (const d of this.drained.splice(0)) d();
      });
  }
}

function newBatch(): Batch {
  let resolve!: (r: RunResult) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<RunResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Background requests may not wait on it; an unhandled rejection must not kill the server.
  promise.catch(() => {});
  return { paths: new Set(), due: new Set(), tags: new Set(), drop: new Set(), full: false, promise, resolve, reject };
}

/** A run's outcome, made once for all its callers (read only: never changed once made). */
function outcomeOf(r: RunResult): RegenOutcome {
  let out = OUTCOMES.get(r);
  if (!out) OUTCOMES.set(r, (out = merge([r])));
  return out;
}
const OUTCOMES = new WeakMap<RunResult, RegenOutcome>();

function merge(results: RunResult[]): RegenOutcome {
  const u = <T>(xs: T[][]) => [...new Set(xs.flat())];
  return {
    rendered: u(results.map((r) => r.rendered)),
    written: u(results.map((r) => r.written)),
    unchanged: u(results.map((r) => r.unchanged)),
    removed: u(results.map((r) => r.removed)),
    failed: results.flatMap((r) => r.failed),
    errors: results.flatMap((r) => r.plan.errors),
    unmatchedTags: u(results.map((r) => r.plan.unmatchedTags)),
    durationMs: results.reduce((s, r) => s + r.durationMs, 0),
  };
}
