import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsSiteStore } from '../../src/store/fs-store.js';
import type { SiteStore } from '../../src/store/store.js';
import { NOT_DURABLE } from '../../src/write/durable.js';
import { inProcessSites, regenOf } from '../helpers/in-process.js';

// Issue 19 item 1: "never an older render over a newer one" rests on the manifest head being
// replaced only over the version the run read (the commit point), not on the lease alone: a run
// whose lease lapsed while another wrote must publish no head over that other's.
const T0 = Date.parse('2026-06-01T00:00:00Z');

const blog = inProcessSites('blog');

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
    const { config, run } = await blog();
    await run({ mode: 'build', now: T0 });
    const theirs = `${readFileSync(config.manifestFile, 'utf8').trimEnd()}\n\n`;
    const store = raced(
      fsSiteStore({ outDir: config.outDir, stateDir: config.stateDir, durability: NOT_DURABLE }),
      config.manifestFile,
      theirs,
    );
    await expect(run({ ...regenOf(['/blog/hello-world/'], T0 + 1000), store })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      exitCode: 75,
    });
    expect(readFileSync(config.manifestFile, 'utf8')).toBe(theirs);
  });

  it('is put over the version read, and that new version is what the run reports', async () => {
    const { config, run } = await blog();
    await run({ mode: 'build', now: T0 });
    const store = fsSiteStore({ outDir: config.outDir, stateDir: config.stateDir, durability: NOT_DURABLE });
    const r = await run({ ...regenOf(['/blog/hello-world/'], T0 + 1000), store });
    expect(r.manifestSignature).toBe((await store.state.head('manifest.json'))?.version);
  });
});
