/**
 * The bounds of on-demand rendering (`fallback: 'blocking'`), which anyone can trigger with a
 * made-up path. A request for a new path is admitted only while its route holds fewer than
 * `maxOnDemandPages` on-demand entries (pages, failures and `notFound` answers still in their
 * window, plus the paths pending) and fewer than `serve.maxPendingRenders` paths are rendering or
 * waiting to. Requests for a path already pending join it and are always admitted.
 */

import type { Clock } from '../clock.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Logger } from '../logger.js';
import type { ManifestSnapshot } from '../manifest/snapshot.js';
import { pageIsDue } from '../plan/page-rules.js';
import type { ManifestOwner } from './manifest-owner.js';
import type { RegenQueue } from './regen-queue.js';

/** At most this many expired notFound entries are dropped by one run (it stays small). */
const MAX_DROPS_PER_RUN = 1000;
/** The warning for a route at its cap is logged at most this often, not once per request. */
const CAP_LOG_EVERY_MS = 60_000;
/**
 * The on-demand keys are found by a pass over every page (~25-60 ms at 100k pages on a loaded
 * 2-core machine), done again after the manifest changed at most this often. What this server
 * admitted since is counted from its own list, so its cap holds exactly; entries another process
 * added (a webhook to another worker, `isr regen --path`) are seen at the next pass.
 */
const RESCAN_MS = 5000;

/** An admitted request: render `key` (dropping `drop` in the same run), then call `done`. */
export interface Admitted {
  drop: readonly string[];
  done(): void;
}

const EMPTY: ReadonlySet<string> = new Set();

export class FallbackGate {
  // Paths being rendered or waiting to be, with how many requests wait for each.
  private readonly pending = new Map<string, { route: string; waiting: number; drop: readonly string[] }>();
  private index: { of: ManifestSnapshot; at: number; byRoute: Map<string, Set<string>> } | undefined;
  // Paths admitted since the last pass, by route.
  private readonly admitted = new Map<string, Set<string>>();
  private readonly capped = new Map<string, { loggedAt: number; refused: number }>();

  constructor(
    private readonly o: {
      config(): ResolvedConfig;
      state: Pick<ManifestOwner, 'page' | 'snapshot'>;
      clock: Clock;
      logger: Logger;
      queue: RegenQueue;
    },
  ) {}

  /** Admit a request for the unknown path `key` of route `routeName`, or say why not. */
  admit(key: string, routeName: string): Admitted | 'full' | 'busy' {
    let p = this.pending.get(key);
    if (!p) {
      const config = this.o.config();
      const route = config.routes.find((r) => r.name === routeName);
      if (!route) return 'full';
      const { live, expired } = this.count(routeName);
      if (live >= route.maxOnDemandPages) {
        this.refused(routeName, route.maxOnDemandPages);
        // Expired notFound answers are dropped even when nothing is rendered: room for the next.
        if (expired.length) this.o.queue.request({ drop: expired }).catch(() => {});
        return 'full';
      }
      if (this.pending.size >= config.serve.maxPendingRenders) {
        this.o.logger.debug(`${key}: ${this.pending.size} fallback renders pending (serve.maxPendingRenders): 503`);
        return 'busy';
      }
      this.pending.set(key, (p = { route: routeName, waiting: 0, drop: expired }));
      let mine = this.admitted.get(routeName);
      if (!mine) this.admitted.set(routeName, (mine = new Set()));
      mine.add(key);
    }
    const entry = p;
    entry.waiting++;
    return {
      drop: entry.drop,
      done: () => {
        if (--entry.waiting === 0) this.pending.delete(key);
      },
    };
  }

  /** The route's entries that count against its cap, and its expired notFound ones to drop. */
  private count(routeName: string): { live: number; expired: string[] } {
    const now = this.o.clock();
    let live = 0;
    const expired: string[] = [];
    const known = this.keysOf(routeName);
    const countKey = (key: string) => {
      const e = this.o.state.page(key);
      if (this.pending.has(key)) live++;
      else if (!e?.onDemand) return;
      // Past its window no listing backs it: the next run drops it (plan-regen.ts dropNotFound).
      else if (e.status === 'notFound' && pageIsDue(e, now)) {
        if (expired.length < MAX_DROPS_PER_RUN) expired.push(key);
      } else live++;
    };
    for (const key of known) countKey(key);
    for (const key of this.admitted.get(routeName) ?? []) if (!known.has(key)) countKey(key);
    return { live, expired };
  }

  /** The route's on-demand keys as of the last pass over the pages (see RESCAN_MS). */
  private keysOf(routeName: string): ReadonlySet<string> {
    const m = this.o.state.snapshot;
    const t = performance.now();
    if (!this.index || (this.index.of !== m && t - this.index.at >= RESCAN_MS)) {
      const byRoute = new Map<string, Set<string>>();
      for (const [key, e] of m.entries()) {
        if (!e.onDemand) continue;
        let keys = byRoute.get(e.route);
        if (!keys) byRoute.set(e.route, (keys = new Set()));
        keys.add(key);
      }
      // Pending paths are counted as such; the rest admitted before now are in the pages.
      for (const keys of this.admitted.values()) for (const k of keys) if (!this.pending.has(k)) keys.delete(k);
      this.index = { of: m, at: t, byRoute };
    }
    return this.index.byRoute.get(routeName) ?? EMPTY;
  }

  private refused(route: string, cap: number): void {
    const t = performance.now();
    let c = this.capped.get(route);
    if (!c) this.capped.set(route, (c = { loggedAt: -Infinity, refused: 0 }));
    c.refused++;
    if (t - c.loggedAt < CAP_LOG_EVERY_MS) return;
    this.o.logger.warn(
      `fallback: route "${route}" holds ${cap} on-demand pages (maxOnDemandPages): ${c.refused} new path(s) answered 404 ` +
        `(raise routes[].maxOnDemandPages or serve.maxOnDemandPages, or clear them with \`isr regen --forget-on-demand ${route}\`)`,
    );
    c.loggedAt = t;
    c.refused = 0;
  }
}
