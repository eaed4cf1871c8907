import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { readObjectManifest } from '../../src/run/object-state.js';
import { runSite } from '../../src/run/run-site.js';
import { memorySiteStore } from '../../src/store/memory-store.js';
import type { SiteStore } from '../../src/store/store.js';
import { REPO } from '../helpers/site.js';

// Every outside input has a bound: the shards of a site read whole from a store (isr status, a
// split, the check after a dead run) are fetched at most 16 at a time, not all at once.
let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

/** The store, counting the state GETs in flight at once (each answered a turn later). */
function inFlight(inner: SiteStore): SiteStore & { max: () => number } {
  let now = 0;
  let max = 0;
  const state = inner.state;
  return {
    ...inner,
    max: () => max,
    state: {
      ...state,
      async get(key) {
        max = Math.max(max, ++now);
        await new Promise((r) => setTimeout(r, 1));
        now--;
        return state.get(key);
      },
    },
  };
}

describe('the shards of a site in a store', () => {
  it('are read at most 16 at a time when the whole manifest is read', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'isr-fetch-'));
    execFileSync(process.execPath, [path.join(REPO, 'bench/generate.mjs'), root, '300']);
    await mkdir(path.join(root, 'node_modules'), { recursive: true });
    await rm(path.join(root, 'node_modules', 'static-isr'), { force: true, recursive: true });
    await symlink(REPO, path.join(root, 'node_modules', 'static-isr'), 'dir');
    const config = await loadConfig(root);
    const inner = memorySiteStore();
    const built = await runSite(config, {
      mode: 'build',
      now: Date.now(),
      logger: silentLogger(),
      command: 'test',
      store: inner,
      pagesPerShard: 2,
    });
    expect(Object.keys(built.manifest.shards?.info ?? {}).length).toBeGreaterThan(32);
    const store = inFlight(inner);
    const m = await readObjectManifest(config, store, 'memory');
    expect(Object.keys(m?.pages ?? {})).toHaveLength(Object.keys(built.manifest.pages).length);
    expect(store.max()).toBeLessThanOrEqual(16);
  });
});
