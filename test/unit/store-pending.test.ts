import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { afterChangeWithStore } from '../../src/deliver/store-pending.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import { memorySiteStore } from '../../src/store/memory-store.js';
import { listKeys } from '../../src/store/store.js';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 20 item 4 for a site in a store: "a purge that fails is kept and retried by the next
// run" must hold from one bare CI runner to the next, so the kept sets live in the store.
const T0 = Date.parse('2026-06-01T00:00:00Z');
let site: TempSite | undefined;
afterEach(async () => {
  delete process.env.SHOP_ONCHANGE_FAIL;
  await site?.cleanup();
  site = undefined;
});

describe('change sets a hook failed to take, for a site in a store', () => {
  it('are kept in the store, not on the runner, and delivered with the next run’s', async () => {
    site = await tempSite('shop');
    const config = await loadConfig(site.root);
    const store = memorySiteStore();
    const o = { logger: silentLogger(), command: 'test', store } as const;
    const built = await runSite(config, { ...o, mode: 'build', now: T0 });
    process.env.SHOP_ONCHANGE_FAIL = '1'; // the fixture's onChange throws (a CDN purge that failed)
    expect(await afterChangeWithStore(config, store, built, undefined, silentLogger(), T0)).toBe(1);
    expect(await listKeys(store.state, 'pending-changes/')).toHaveLength(1);
    expect(existsSync(path.join(site.root, '.isr'))).toBe(false);

    delete process.env.SHOP_ONCHANGE_FAIL;
    await site.write('data/items/apple.json', '{ "name": "Apple", "price": 2 }');
    const next = await runSite(config, { ...o, mode: 'regen', paths: ['/items/apple/'], now: T0 + 1000 });
    expect(await afterChangeWithStore(config, store, next, undefined, silentLogger(), T0 + 1000)).toBe(0);
    const delivered = JSON.parse(readFileSync(path.join(site.root, 'on-change.log'), 'utf8').trim().split('\n').at(-1)!);
    expect(delivered.written).toEqual(expect.arrayContaining(built.written));
    expect(await listKeys(store.state, 'pending-changes/')).toEqual([]);
  });
});
