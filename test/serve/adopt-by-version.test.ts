import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { readManifest } from '../../src/manifest/manifest.js';
import { shardOf } from '../../src/manifest/shards.js';
import { ManifestOwner } from '../../src/serve/manifest-owner.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 19 item 2: a run returns its change set, with the head version it read; isr serve takes
// that change set as the whole delta only when the run read the very head it holds (by version),
// not when the generation numbers happen to follow on.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

async function served() {
  site = await tempSite('blog');
  const built = await site.run(['build', '--quiet'], { now: new Date(T0).toISOString(), env: { ISR_PAGES_PER_SHARD: '2' } });
  expect(built.code, built.stderr).toBe(0);
  const config = await loadConfig(site.root);
  const changes: (string[] | 'all')[] = [];
  const state = await ManifestOwner.load({
    config,
    logger: silentLogger(),
    onChange: (f: string[] | 'all') => changes.push(f),
    checkEveryMs: 1e9,
  });
  return { config, state, changes };
}

describe("isr serve following its own runs' change sets", () => {
  it('merges a run that read another head than the one held, though its generation is the next one', async () => {
    const { config, state, changes } = await served();
    // A run that read a head other than ours (its fromVersion is not ours) and loaded one shard,
    // in which a page changed that its change set does not name (another process changed it).
    const next = (await readManifest(config.manifestFile, config.root))!;
    const key = Object.keys(next.pages).find((k) => k.startsWith('/blog/'))!;
    const id = shardOf(key, next.shards!.bits);
    next.pages[key] = { ...next.pages[key]!, builtAt: T0 + 999, outputHash: 'changed-elsewhere' };
    next.shards = { ...next.shards!, generation: state.snapshot.head.shards!.generation + 1, loaded: new Set([id]) };
    const run = {
      manifest: next,
      manifestSignature: 'the-head-it-wrote',
      changes: { pages: [], removedPages: [], fromVersion: 'a-head-we-never-held' },
      // What an OwnRun carried before change sets (still given, so the old rule has its inputs).
      rendered: [],
      failed: [],
      plan: { remove: [] },
    };
    state.ownRunStarted();
    state.ownRunStarted(); // one more: the disk check after the adoption waits, the test reads memory
    await state.adopt(run, []);
    expect(state.page(key)!.builtAt, 'the shard the run read is taken whole').toBe(T0 + 999);
    expect(changes.flat()).toContain(next.pages[key]!.file);
    state.close();
  });

  it('takes only the pages of the change set when the run read the very head it holds', async () => {
    const { config, state } = await served();
    const held = state.held()!;
    const next = (await readManifest(config.manifestFile, config.root))!;
    const [a, b] = Object.keys(next.pages).filter((k) => k.startsWith('/blog/'));
    next.pages[a!] = { ...next.pages[a!]!, builtAt: T0 + 1 };
    next.pages[b!] = { ...next.pages[b!]!, builtAt: T0 + 2 }; // not in the change set: not taken
    next.shards = { ...next.shards!, generation: state.snapshot.head.shards!.generation + 1, loaded: 'all' };
    const run = {
      manifest: next,
      manifestSignature: 'the-head-it-wrote',
      changes: { pages: [a!], removedPages: [], fromVersion: held.version! },
    };
    state.ownRunStarted();
    state.ownRunStarted();
    await state.adopt(run, []);
    expect(state.page(a!)!.builtAt).toBe(T0 + 1);
    expect(state.page(b!)!.builtAt).toBe(T0);
    expect(state.held()?.version).toBe('the-head-it-wrote');
    state.close();
  });
});
