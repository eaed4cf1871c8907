/**
 * `import()` for isr's own code, which is bundled into dist/isr.cjs. Every dynamic import of the
 * bundle goes through here (a config, jiti, fast-glob, node:cluster) so the CLI's loader can
 * replace it.
 *
 * Why: on Node 20, `isr` runs dist/isr.cjs through `vm.Script` with V8's code cache
 * (startup/load-cached.ts). An `import()` inside code that V8 took from the cache rejects with
 * "A dynamic import callback was not specified": Node attaches the callback to the compiled script
 * through its host-defined options, and those do not survive the cache (V8 11.3). The loader
 * itself is compiled by Node as usual, so its `import()` works; it hands that in through `main`.
 * `vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER` and a callback function fail the same way with a
 * cache, and both print an experimental warning (the callback also needs a flag).
 */
export type Importer = (specifier: string) => Promise<unknown>;

let importer: Importer = (specifier) => import(specifier);

/** Import a module (a package name, `node:` name or file URL), as seen from isr's own folder. */
export function importModule<T>(specifier: string): Promise<T> {
  return importer(specifier) as Promise<T>;
}

/** Use `fn` for every later importModule(): the loader's import(), compiled outside the cached script. */
export function useImporter(fn: Importer): void {
  importer = fn;
}
