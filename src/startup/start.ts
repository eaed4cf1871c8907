/**
 * What `isr` (bin/isr.js) runs first, built on its own into dist/start.cjs: it loads the CLI,
 * dist/isr.cjs, with V8's code cache, and calls its `main`.
 *
 * Why: compiling the 600 KB bundle was the largest single cost of a cron `isr regen` with nothing
 * to do (~12-15 ms of ~80-90 ms of CPU). Node >= 22.1 has a code cache of its own,
 * `module.enableCompileCache()`; on Node 20 the bundle is compiled through `vm.Script` with
 * cached data (load-cached.ts). Where the cache lives and its bounds: compile-cache.ts.
 */
import Module, { createRequire } from 'node:module';
import type { CliHost } from '../cli.js';
import { cacheFolder } from './compile-cache.js';
import { loadCached } from './load-cached.js';

/** What dist/isr.cjs exports to the loader. */
export interface Cli {
  main(argv: string[], host?: CliHost): Promise<void>;
}

const require = createRequire(import.meta.url);

export function start(argv: string[]): Promise<void> {
  // dist/isr.cjs by the name `require` gives it (its real path), so the module cache, which a
  // user's config reaches through `import … from 'static-isr'`, holds this very instance.
  const bundle = require.resolve('./isr.cjs');
  const dir = cacheFolder();
  const enableCompileCache = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (dir !== undefined && enableCompileCache) enableCompileCache(dir);
  // With source maps on (--enable-source-maps), Node maps the stack traces of the files it
  // compiles itself, not of a vm.Script's.
  if (dir === undefined || enableCompileCache || process.sourceMapsEnabled) return (require(bundle) as Cli).main(argv);
  return loadCached(bundle, dir, writesCache(argv)).main(argv, { importModule: (specifier) => import(specifier) });
}

/** Commands that load a site: their runs leave a cache that serves the next ones. */
const SITE_COMMANDS = new Set(['build', 'regen', 'serve', 'dev', 'status']);

/**
 * Whether this run may write a missing cache. V8 caches only the functions a run has called, and
 * one written by `isr --version` left a regen's start-up ~7 ms of CPU slower than one written by a
 * regen or a build (which were the same; BENCHMARKS.md): so only a site's commands write it.
 */
function writesCache(argv: string[]): boolean {
  const args = argv.slice(2);
  return SITE_COMMANDS.has(args[0] ?? '') && !args.some((a) => a === '--help' || a === '-h');
}
