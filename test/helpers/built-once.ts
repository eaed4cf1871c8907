import { afterAll, afterEach, beforeAll } from 'vitest';
import { cloneSite } from './files.js';
import { type CliResult, type TempSite, tempSite } from './site.js';

export interface BuiltOnceOptions {
  /** ISR_NOW of the build. */
  now: string | number;
  /** The flags after `build`; `--quiet` unless given. */
  flags?: string[];
  /** Extra environment of the build; a function when it is only known in an earlier beforeAll (a server's port). */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Changes made to the fixture's copy before it is built (extra files, a config edit). */
  prepare?: (site: TempSite) => Promise<void>;
}

export interface BuiltOnce {
  /** The build itself, shared by every test of the scope: read it, or build on it in order; a test that changes a site takes copy(). */
  readonly site: TempSite;
  /** What the build printed (the JSON the tests check when `flags` has `--json`). */
  readonly result: CliResult;
  /** A fresh copy of the build for the running test, removed after that test. */
  copy(): Promise<TempSite>;
}

/**
 * A fixture site built once by the real CLI for a test file (or the describe it is called in), and a
 * copy of that build per test that changes one. A copy costs a folder copy where a build costs a
 * subprocess that renders every page, and every test still starts from the same published state.
 * The hooks are registered where it is called: call it at the top of the file or of a describe.
 *
 * A copy has the same bytes and mtimes but new inodes, so its first run finds every file's stat
 * changed and hashes them all: a test of the stat fast path of change detection (a file left alone
 * is not read) needs a build of its own, as test/cli/change-detection*.test.ts keep.
 */
export function builtOnce(fixture: string, opts: BuiltOnceOptions): BuiltOnce {
  let built: { site: TempSite; result: CliResult } | undefined;
  const copies: TempSite[] = [];
  const ready = () => {
    if (!built) throw new Error(`builtOnce(${fixture}): used before its beforeAll ran (use it inside a test or a later hook)`);
    return built;
  };

  beforeAll(async () => {
    const site = await tempSite(fixture);
    await opts.prepare?.(site);
    const env = typeof opts.env === 'function' ? opts.env() : opts.env;
    const result = await site.run(['build', ...(opts.flags ?? ['--quiet'])], { now: opts.now, env });
    if (result.code !== 0) {
      await site.cleanup();
      throw new Error(`fixture ${fixture} failed to build (exit ${result.code}): ${result.stderr}`);
    }
    built = { site, result };
  });
  // Every copy a test took goes, even when it took several.
  afterEach(async () => {
    await Promise.all(copies.splice(0).map((c) => c.cleanup()));
  });
  afterAll(() => built?.site.cleanup());

  return {
    get site() {
      return ready().site;
    },
    get result() {
      return ready().result;
    },
    async copy() {
      const copy = await cloneSite(ready().site);
      copies.push(copy);
      return copy;
    },
  };
}
