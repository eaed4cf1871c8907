import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTuning } from '../../src/commands/context.js';
import { REPO } from '../helpers/site.js';

// Issue 19 item 6: test switches come in through options, read from the environment by the
// commands only (commands/context.ts#runTuning), never deep in the run, the manifest or a loader.
describe('test switches', () => {
  it('are read from the environment in no module of the run, the manifest, the pages or the store', () => {
    const offenders: string[] = [];
    for (const dir of ['run', 'manifest', 'pages', 'plan', 'store', 'write']) {
      for (const f of readdirSync(path.join(REPO, 'src', dir))) {
        const text = readFileSync(path.join(REPO, 'src', dir, f), 'utf8');
        if (/process\.env\b/.test(text)) offenders.push(`src/${dir}/${f}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('are read by the commands into the options of a run', () => {
    expect(runTuning({ ISR_SHARD_PATCH: '0', ISR_PAGES_PER_SHARD: '2', ISR_LOAD_TIMEOUT_MS: '250' })).toEqual({
      shardPatch: false,
      pagesPerShard: 2,
      loadTimeoutMs: 250,
    });
    expect(runTuning({ ISR_PAGES_PER_SHARD: 'x' })).toEqual({});
  });
});
