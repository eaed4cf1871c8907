import { describe, expect, it } from 'vitest';
import { inProcessSites } from '../helpers/in-process.js';

// Issue 19 (aliasing rules): the result of a run with nothing due held a getter that read every
// shard of the manifest when touched; isr serve touched it on adopting such a run.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const blog = inProcessSites('blog');

describe('a run with nothing due', () => {
  it('gives back the head it read, with no page loaded, and its version in the change set', async () => {
    const { run } = await blog();
    const built = await run({ mode: 'build', now: T0 });
    const r = await run({ mode: 'regen', now: T0 + 1000, detect: false });
    expect(r.plan.render).toEqual([]);
    expect(Object.keys(r.manifest.pages)).toEqual([]);
    expect(r.manifest.shards?.loaded).toEqual(new Set());
    expect(r.manifest.routes).toEqual(built.manifest.routes);
    expect(r.changes).toEqual({ pages: [], removedPages: [], shards: [], fromVersion: built.manifestSignature });
  });
});
