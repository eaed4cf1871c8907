/**
 * Watch mode's wiring into the server (`isr serve --watch`): each change of templates, content,
 * assets or config becomes a full regen (the planner finds what it affects), an edited config is
 * reloaded and taken (the webhook with it), and the files pages tracked are followed. Separate
 * from create-server.ts because only `--watch` needs it; watch.ts is the watcher itself
 * (chokidar, loaded only then).
 */
import type { Clock } from '../clock.js';
import { loadConfig } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ServeOptions } from './create-server.js';
import type { ManifestOwner } from './manifest-owner.js';
import type { RegenQueue } from './regen-queue.js';
import type { SiteWatcher, WatchChange } from './watch.js';

export interface WatchWiring {
  /** The watch events handled so far, in order (idle() and close() wait for it). */
  readonly work: Promise<void>;
  /** Whether the watcher is running (a run's tracked files are followed only then). */
  readonly watching: boolean;
  /** Start watching (again, after a config reload). */
  start(): Promise<void>;
  /** Follow the files the manifest's pages tracked (`track('file:…')` outside the sources' folders). */
  followTracked(): Promise<void>;
  /** Close the watcher (events already queued still run: await `work`). */
  close(): Promise<void>;
}

export function wireWatch(
  o: ServeOptions,
  d: {
    config(): ResolvedConfig;
    /** Take a reloaded config (and the webhook it gives). */
    useConfig(next: ResolvedConfig): void;
    logger: Logger;
    clock: Clock;
    state: ManifestOwner;
    queue: RegenQueue;
  },
): WatchWiring {
  const { logger, clock, state, queue } = d;
  let watcher: SiteWatcher | undefined;
  // Watch mode: changes become full regens (the planner finds what they affect).
  let watchWork: Promise<void> = Promise.resolve();
  const reload =
    o.reloadConfig ??
    (() => {
      const config = d.config();
      return loadConfig(config.root, { outDir: config.outDir, concurrency: config.concurrency });
    });
  const startWatch = async () => {
    const { watchSite } = await import('./watch.js');
    watcher = await watchSite(d.config(), {
      logger,
      now: clock(),
      onChange: (c) => {
        watchWork = watchWork.then(() => onWatch(c));
      },
    });
    await followTracked();
  };
  const followTracked = async () => {
    const { trackedFiles } = await import('./watch.js');
    watcher?.follow(trackedFiles(state.snapshot.toManifest()));
  };
  const onWatch = async (c: WatchChange) => {
    logger.info(`changed: ${c.files.join(', ')}`);
    if (c.config) {
      let next: ResolvedConfig;
      try {
        next = await reload();
      } catch (err) {
        logger.error(`config not reloaded: ${describeError(err)}`);
        return;
      }
      const config = d.config();
      if (next.outDir !== config.outDir || next.manifestFile !== config.manifestFile) {
        logger.error('outDir or manifest changed in the config: restart `isr serve` to use them');
        return;
      }
      d.useConfig(next);
      await watcher?.close();
      await startWatch();
    }
    if (c.config || c.templates || c.assets || c.tags.length)
      await queue.request({ full: true, tags: c.tags, join: false }).catch(() => {});
  };
  return {
    get work() {
      return watchWork;
    },
    get watching() {
      return watcher !== undefined;
    },
    start: startWatch,
    followTracked,
    close: async () => {
      await watcher?.close();
    },
  };
}
