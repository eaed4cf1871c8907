import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { abortsRun, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SourceSet } from '../sources/source-set.js';
import { tempPathFor } from '../write/write-atomic.js';

/** What the sources say changed since the last published run, and how to remember this run. */
export interface DetectedChanges {
  /** Tags whose data changed (plan reason `changed`). */
  tags: string[];
  /** Save every source's new state: call only once the run has published. */
  commit(): void;
}

const NONE: DetectedChanges = { tags: [], commit: () => {} };

/**
 * Ask every source that has a `changes` hook what changed, under the run's lock. A source's
 * state is the JSON its hook returned last time, in `<cacheDir>/<key>.changes.json`; a missing or
 * unreadable one is passed as undefined (the source then reports everything: a corrupt snapshot
 * costs a full comparison, never a missed change). A hook that throws is reported and its state
 * is not advanced, so the next run asks again from the same point.
 */
export async function detectChanges(
  config: ResolvedConfig,
  sources: SourceSet,
  o: { logger: Logger; now: number },
): Promise<DetectedChanges> {
  const hooked = Object.entries(config.sources).filter(([, s]) => typeof s.changes === 'function');
  if (!hooked.length) return NONE;
  await sources.setup();
  const tags = new Set<string>();
  const states: [string, unknown][] = [];
  const saved: [string, () => void][] = [];
  for (const [key, src] of hooked) {
    const file = stateFile(config, key);
    const state = readState(file, key, o.logger);
    try {
      const r = await src.changes!({ state, now: new Date(o.now) });
      if (!r || !Array.isArray(r.tags) || r.tags.some((t) => typeof t !== 'string'))
        throw new Error('changes() must resolve to { tags: string[], state }');
      for (const t of r.tags) tags.add(t);
      // The very state it was given: nothing to save (a file snapshot can be megabytes).
      if (r.state !== state) states.push([file, r.state]);
      if (typeof r.saved === 'function') saved.push([key, r.saved]);
    } catch (err) {
      // Bad input (a content folder that is gone) stops the run as the listing would: guessing
      // "nothing changed" could hide it, and "all removed" is what the listing refuses to say.
      if (abortsRun(err)) throw err;
      o.logger.error(`source "${key}" (${src.name}): changes() failed: ${describeError(err)} (its changes are looked for again next run)`);
    }
  }
  return {
    tags: [...tags],
    commit() {
      for (const [file, state] of states) {
        try {
          writeState(file, state);
        } catch (err) {
          o.logger.warn(
            `cannot save ${path.relative(config.root, file)}: ${describeError(err)} (the next run compares from the previous state)`,
          );
        }
      }
      for (const [key, done] of saved) {
        try {
          done();
        } catch (err) {
          o.logger.warn(`source "${key}": ${describeError(err)}`);
        }
      }
    },
  };
}

function stateFile(config: ResolvedConfig, key: string): string {
  return path.join(config.cacheDir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.changes.json`);
}

function readState(file: string, key: string, logger: Logger): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    logger.warn(`source "${key}": its change state ${path.basename(file)} is unreadable; comparing everything`);
    return undefined;
  }
}

function writeState(file: string, state: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  writeFileSync(tmp, JSON.stringify(state ?? null));
  renameSync(tmp, file);
}
