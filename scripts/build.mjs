// `npm run build`: type declarations from tsc, JavaScript from esbuild.
//
// Why bundle: a cron `isr regen` is mostly start-up. Loading isr as ~45 separate ES modules cost
// ~20-25 ms of every run (resolving, reading and compiling each file); two entry points with
// shared chunks load as a handful. Splitting keeps what a command does not use (the server, the
// watcher, the init command) out of the others' start-up, and gives the CLI and a user's config
// (which imports 'isr') the same module instances, so `instanceof IsrError` holds across them.
// Most dependencies stay external (installed beside isr); the few loaded by every run are built
// in (BUNDLED, below).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// Dependencies built into dist/ rather than loaded from node_modules. They stay in package.json's
// dependencies: that is the version range isr is built and tested with, and declarations in
// dist/ may name their types.
const BUNDLED = new Set(['commander', 'eta', 'kleur']);
const pkg = require('../package.json');
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
const shared = {
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Dependencies stay external (installed beside isr), but for BUNDLED ones. commander: every
  // command loads it first, and as a CommonJS package imported from ESM it cost ~25 ms of each
  // start (resolution, cjs-module-lexer, a dozen files); bundled, it is part of the CLI's chunk.
  // eta and kleur: loaded by every run that renders or logs; resolving their package exports and
  // compiling them as separate modules cost ~15-30 ms of a 20k site's 1%-edit regen (hyperfine
  // A/B, two orders). Like markdown-it (below), they are then the versions isr was built with.
  external: Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)),
  // commander require()s Node's built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __isrCreateRequire } from 'node:module'; const require = __isrCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
// Loaded by path from dist/ by plain-Node scripts: the lock stress test's contenders
// (test/reliability/harness/lock-stress.mjs) and bench/load-plan.mjs. Built on their own, each
// whole: as entry points of the build below they split its shared code into more, smaller
// chunks, and every chunk is one more file each run reads, compiles and links.
await build({ ...shared, entryPoints: ['src/manifest/lock.ts', 'src/manifest/manifest.ts', 'src/plan/plan-regen.ts', 'src/config/load-config.ts'] });
await build({
  ...shared,
  entryPoints: ['src/cli.ts', 'src/index.ts'],
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  plugins: [
    {
      // commander loads node:child_process at start for a feature isr does not use
      // (scripts/child-process-lazy.cjs).
      name: 'lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) =>
          /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: new URL('./child-process-lazy.cjs', import.meta.url).pathname } : undefined,
        );
      },
    },
  ],
  sourcemap: true,
});

// markdown-it and its dependencies as one CommonJS file, loaded by src/sources/markdown.ts on
// the first Markdown page of a run. As six packages it cost ~35 ms to load (resolution, and
// `entities` building an encoder markdown-it never uses and decode tables it needs only for
// entity references); as one file with a lazy `entities` (scripts/entities-lazy.cjs), ~15 ms.
// It is the markdown-it of isr's own node_modules at build time (package.json pins its major).
await build({
  entryPoints: [require.resolve('markdown-it')],
  outfile: 'dist/vendor/markdown-it.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  logLevel: 'warning',
  plugins: [
    {
      name: 'lazy-entities',
      setup(b) {
        b.onResolve({ filter: /^entities$/ }, () => ({ path: new URL('./entities-lazy.cjs', import.meta.url).pathname }));
      },
    },
  ],
});
