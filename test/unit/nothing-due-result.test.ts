import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 19 (aliasing rules): the result of a run with nothing due held a getter that read every
// shard of the manifest when touched; isr serve touched it on adopting such a run.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite | undefined;
afterEach(async () => {
  await site?.cleanup();
  site = undefined;
});

describe('a run with nothing due', () => {
  it('gives back the head it read, with no page loaded, and its version in the change set', async () => {
    site = await tempSite('blog');
    const config = await loadConfig(site.root);
    const built = await runSite(config, { mode: 'build', now: T0, logger: silentLogger(), command: 'test' });
    const r = await runSite(config, { mode: 'regen', now: T0 + 1000, logger: silentLogger(), command: 'test', detect: false });
    expect(r.plan.render).toEqual([]);
    expect(Object.keys(r.manifest.pages)).toEqual([]);
    expect(r.manifest.shards?.loaded).toEqual(new Set());
    expect(r.manifest.routes).toEqual(built.manifest.routes);
    expect(r.changes).toEqual({ pages: [], removedPages: [], shards: [], fromVersion: built.manifestSignature });
  });
});
