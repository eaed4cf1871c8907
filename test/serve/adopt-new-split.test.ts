import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { fileSignature } from '../../src/manifest/manifest.js';
import { runSite } from '../../src/run/run-site.js';
import { ManifestOwner } from '../../src/serve/manifest-owner.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// A run of the server's own that read the head it holds and split the manifest anew (a full run
// of watch mode holds every page): its change set cannot be taken page by page into the old
// split, so the whole manifest it wrote is taken, as the head it wrote.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

describe('adopting a run of its own that split the manifest anew', () => {
  it('takes every page it wrote, with the head version it wrote', async () => {
    site = await tempSite('blog');
    const built = await site.run(['build', '--quiet'], { now: T0, env: { ISR_PAGES_PER_SHARD: '4' } });
    expect(built.code, built.stderr).toBe(0);
    const config = await loadConfig(site.root);
    const owner = await ManifestOwner.load({
      config,
      logger: silentLogger(),
      onChange: () => {},
      checkEveryMs: 1e9,
      freezeSnapshots: true,
    });
    owner.close();
    const bitsBefore = owner.snapshot.head.shards!.bits;
    owner.ownRunStarted();
    // A year on, everything is due and every route listed: every shard loaded, split for one page a shard.
    const run = await runSite(config, {
      mode: 'regen',
      now: T0 + 365 * 86_400_000,
      logger: silentLogger(),
      command: 'test',
      pagesPerShard: 1,
      held: owner.held(),
    });
    expect(run.manifest.shards!.bits, 'the run split anew').toBeGreaterThan(bitsBefore);
    await owner.adopt(run, [...run.written, ...run.removed]);
    // Taken from the run itself: not left to a look at the disk.
    const adopted = owner.snapshot;
    expect(adopted.version).toBe(fileSignature(config.manifestFile));
    await owner.check();
    expect(owner.followed, 'nothing read back from the disk').toEqual({ delta: 0, reload: 0 });
    expect(adopted.head.shards!.bits).toBe(run.manifest.shards!.bits);
    expect(adopted.toManifest().pages).toEqual((await site.manifest()).pages);
  });
});
