/**
 * The bounds of on-demand rendering (`fallback: 'blocking'`), which anyone can trigger with a
 * made-up path. A request for a new path is admitted only while its route holds fewer than
 * `maxOnDemandPages` on-demand entries (pages, failures and `notFound` answers still in their
 * window, plus the paths pending) and fewer than `serve.maxPendingRenders` paths are rendering or
 * waiting to. Requests for a path already pending join it and are always admitted.
 */
import type { ResolvedConfig } from '../config/resolve-config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Manifest } from '../manifest/manifest.js';
import { pageIsDue } from '../plan/plan-regen.js';
import type { RegenQueue } from './regen-queue.js';
import type { SiteState } from './site-state.js';

/** At most this many expired notFound entries are dropped by one run (it stays small). */
const MAX_DROPS_PER_RUN = 1000;
/** The warning for a route at its cap is logged at most this often, not once per request. */
const CAP_LOG_EVERY_MS = 60_000;

/** An admitted request: render `key` (dropping `drop` in the same run), then call `done`. */
export interface Admitted {
  drop: readonly string[];
  done(): void;
}

export class FallbackGate {
  // Paths being rendered or waiting to be, with how many requests wait for each.
  private readonly pending = new Map<string, { route: string; waiting: number; drop: readonly string[] }>();
  private onDemand: { of: Manifest; byRoute: Map<string, string[]> } | undefined;
  private readonly capped = new Map<string, { loggedAt: number; refused: number }>();

  constructor(
    private readonly o: { config(): ResolvedConfig; state: SiteState; clock: Clock; logger: Logger; queue: RegenQueue },
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
    for (const key of this.keysOf(routeName)) {
      const e = this.o.state.page(key);
      if (!e) continue;
      // Past its window no listing backs it: the next run drops it (plan-regen.ts dropNotFound).
      if (e.status === 'notFound' && pageIsDue(e, now)) {
        if (expired.length < MAX_DROPS_PER_RUN) expired.push(key);
      } else live++;
    }
    for (const p of this.pending.values()) if (p.route === routeName) live++;
    return { live, expired };
  }

  /** Each route's on-demand keys, found by one pass over the pages per manifest object. */
  private keysOf(routeName: string): readonly string[] {
    const m = this.o.state.manifest;
    if (this.onDemand?.of !== m) {
      const byRoute = new Map<string, string[]>();
      for (const key in m.pages) {
        const e = m.pages[key]!;
        if (!e.onDemand) continue;
        let keys = byRoute.get(e.route);
        if (!keys) byRoute.set(e.route, (keys = []));
        keys.push(key);
      }
      this.onDemand = { of: m, byRoute };
    }
    return this.onDemand.byRoute.get(routeName) ?? [];
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
