import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import { fsSiteStore } from '../../src/store/fs-store.js';
import type { SiteStore } from '../../src/store/store.js';
import { NOT_DURABLE } from '../../src/write/durable.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 19 item 1: "never an older render over a newer one" rests on the manifest head being
// replaced only over the version the run read (the commit point), not on the lease alone: a run
// whose lease lapsed while another wrote must publish no head over that other's.
const T0 = Date.parse('2026-06-01T00:00:00Z');

let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

/** The fs store, but another writer replaces the head just before this run's head is put. */
function raced(store: SiteStore, head: string, theirs: string): SiteStore {
  const state = store.state;
  return {
    ...store,
    state: {
      ...state,
      async put(key, body, o) {
        if (key === path.basename(head)) {
          writeFileSync(`${head}.theirs`, theirs);
          renameSync(`${head}.theirs`, head); // a new file: a new version
        }
        return state.put(key, body, o);
      },
    },
  };
}

describe('the manifest head, the commit point of a run', () => {
  it('is not replaced when another writer published a head after the run read its own', async () => {
    site = await tempSite('blog');
    const config = await loadConfig(site.root);
    await runSite(config, { mode: 'build', now: T0, logger: silentLogger(), command: 'test' });
    const theirs = `${readFileSync(config.manifestFile, 'utf8').trimEnd()}\n\n`;
    const store = raced(
      fsSiteStore({ outDir: config.outDir, stateDir: config.stateDir, durability: NOT_DURABLE }),
      config.manifestFile,
      theirs,
    );
    const run = runSite(config, {
      mode: 'regen',
      onlyNamed: true,
      paths: ['/blog/hello-world/'],
      now: T0 + 1000,
      logger: silentLogger(),
      command: 'test',
      store,
    });
    await expect(run).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', exitCode: 75 });
    expect(readFileSync(config.manifestFile, 'utf8')).toBe(theirs);
  });

  it('is put over the version read, and that new version is what the run reports', async () => {
    site = await tempSite('blog');
    const config = await loadConfig(site.root);
    await runSite(config, { mode: 'build', now: T0, logger: silentLogger(), command: 'test' });
    const store = fsSiteStore({ outDir: config.outDir, stateDir: config.stateDir, durability: NOT_DURABLE });
    const r = await runSite(config, {
      mode: 'regen',
      onlyNamed: true,
      paths: ['/blog/hello-world/'],
      now: T0 + 1000,
      logger: silentLogger(),
      command: 'test',
      store,
    });
    expect(r.manifestSignature).toBe((await store.state.head('manifest.json'))?.version);
  });
});
