import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/resolve-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import type { RunOptions, RunResult } from '../../src/run/run-types.js';
import { type TempSite, tempSite } from './site.js';

/** A run's options without the two every test gives alike (a silent logger, command `test`). */
export type TestRunOptions = Omit<RunOptions, 'logger' | 'command'> & Partial<Pick<RunOptions, 'logger' | 'command'>>;

/** A fixture copy and its resolved config, run by runSite in the test's own process. */
export interface InProcessSite {
  site: TempSite;
  config: ResolvedConfig;
  /** runSite over this site's config: silent, command `test`, unless `opts` says otherwise. */
  run(opts: TestRunOptions): Promise<RunResult>;
}

/** The options of a regen of `paths` only (what a webhook asks `isr serve` for). */
export const regenOf = (paths: string[], now: number): TestRunOptions => ({ mode: 'regen', onlyNamed: true, paths, now });

/**
 * For tests that drive a run in-process, to hand it what the CLI cannot (a store, a durability, a
 * changed config): copies `fixture` for each call and removes every copy after its test. Call it at
 * the top of a file or a describe, where it registers that afterEach.
 */
export function inProcessSites(fixture: string): () => Promise<InProcessSite> {
  const made: TempSite[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((s) => s.cleanup()));
  });
  return async () => {
    const site = await tempSite(fixture);
    made.push(site);
    const config = await loadConfig(site.root);
    return { site, config, run: (opts) => runSite(config, { logger: silentLogger(), command: 'test', ...opts }) };
  };
}
