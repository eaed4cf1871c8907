/**
 * Node 20's way to a code cache (Node >= 22.1 has its own, start.ts): dist/isr.cjs compiled by
 * `vm.Script` with the cached data of an earlier run, and run as Node runs a CommonJS module.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { cacheFile, cacheKey, readCache, writeCache } from './compile-cache.js';
import type { Cli } from './start.js';

/** The wrapper Node puts around a CommonJS file; on one line, so line numbers stay the file's. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n});';

/** Load dist/isr.cjs (`file`) with the cache kept in `dir`; write one at exit when there was none and `write`. */
export function loadCached(file: string, dir: string, write: boolean): Cli {
  // One descriptor for the key and the text: a rebuild in between cannot pair one with the other.
  const fd = openSync(file, 'r');
  let key: string;
  let source: string;
  try {
    key = cacheKey(fstatSync(fd));
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const store = cacheFile(dir, key);
  const cached = readCache(store, key);
  // `filename`: stack traces (--debug) name dist/isr.cjs and its lines.
  const script = new Script(WRAP_HEAD + source + WRAP_TAIL, { filename: file, cachedData: cached });
  if (write && (cached === undefined || script.cachedDataRejected)) {
    // At exit, not now: V8 compiles functions when first called, and the cache holds only those
    // compiled so far, so after the run it holds what a run needs.
    process.once('exit', () => writeCache(dir, store, key, () => script.createCachedData()));
  }

  // Registered before it runs, as Node's own loader does: a config's `import … from 'static-isr'`
  // (dist/index.js requires dist/isr.cjs) gets this instance (one IsrError class, one registry).
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const require = createRequire(file);
  require.cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, require, mod, file, path.dirname(file));
  } catch (err) {
    delete require.cache[file];
    throw err;
  }
  mod.loaded = true;
  return mod.exports as Cli;
}
