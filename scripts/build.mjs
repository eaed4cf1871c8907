// `npm run build`: type declarations from tsc, JavaScript from esbuild.
//
// Why one CommonJS file (dist/isr.cjs) for the CLI and the library: a cron `isr regen` is mostly
// start-up. Loading isr as ~45 ES modules cost ~20-25 ms of every run; as two ES entry points with
// shared chunks, 14 files on the regen path (each resolved, read through the thread pool, compiled
// and linked by the ES loader, and `import 'node:fs'` building fs's namespace loads its streams);
// as one CommonJS file, read and compiled once, a 1%-edit regen of the 20k bench site took
// ~10-15 ms less (paired A/B, 30 pairs; BENCHMARKS.md). dist/index.js is an ES module that takes
// the library's exports from that same file (through `require`, so the CLI and a user's config,
// which imports 'static-isr', share module instances and `instanceof IsrError` holds). The server,
// the watcher and `init` are in the file too: as lazily initialised modules they cost only a
// pre-parse when unused.
// Most dependencies stay external (installed beside isr); the few loaded by every run are built
// in (BUNDLED, below).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
// Packages built into dist/ rather than loaded from node_modules (why each, below). They are
// devDependencies: as dependencies, a user's install fetched copies isr never loads, and
// `npm audit` audited those instead of the ones inside dist/. Their versions go to
// dist/bundled.json (`isr --version --verbose`); the README names their majors. Re-measured for
// issue 17 (BENCHMARKS.md): loading them from node_modules cost ~6-11 ms of CPU per run.
const BUNDLED = [
  'commander',
  'eta',
  'kleur',
  'markdown-it',
  'markdown-it-anchor',
  'markdown-it-footnote',
  'markdown-it-deflist',
  'smol-toml',
];
const pkg = require('../package.json');
for (const name of BUNDLED) {
  if (pkg.dependencies[name] || !pkg.devDependencies[name])
    throw new Error(`${name} is built into dist/: list it in devDependencies, not dependencies`);
}
// Whatever src/ imports that is neither a dependency (external) nor BUNDLED would be built in
// silently, a devDependency included: refuse it.
const onlyDeclaredPackages = {
  name: 'only-declared-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.importer) || args.path.startsWith('node:') || builtinModules.includes(args.path))
        return undefined;
      const name = args.path
        .split('/')
        .slice(0, args.path.startsWith('@') ? 2 : 1)
        .join('/');
      if (pkg.dependencies[name] || BUNDLED.includes(name)) return undefined;
      return {
        errors: [{ text: `${name} is imported by ${args.importer} but is neither a dependency nor in BUNDLED (scripts/build.mjs)` }],
      };
    });
  },
};
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], {
  stdio: 'inherit',
});
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
  external: Object.keys(pkg.dependencies),
  // commander require()s Node's built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __isrCreateRequire } from 'node:module'; const require = __isrCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
// Loaded by path from dist/ by plain-Node scripts: the lock stress test's contenders
// (test/reliability/harness/lock-stress.mjs) and bench/load-plan.mjs. Built on their own as ES
// modules, each whole, into dist/side/ (not part of the package's entry points, and left out of
// the published tarball by package.json's `files`).
await build({
  ...shared,
  outdir: 'dist/side',
  entryPoints: ['src/manifest/lock.ts', 'src/manifest/manifest.ts', 'src/plan/plan-regen.ts', 'src/config/load-config.ts'],
  plugins: [onlyDeclaredPackages],
});
// One CommonJS file each (dist/isr.cjs, dist/start.cjs). src/ finds isr's folder (package-root.ts)
// and creates its `require`s from import.meta.url, which a CommonJS file has not: its own URL.
const oneCjsFile = {
  ...shared,
  outdir: undefined,
  outbase: undefined,
  format: 'cjs',
  define: { 'import.meta.url': '__isrModuleUrl' },
  banner: { js: "const __isrModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};
await build({
  ...oneCjsFile,
  entryPoints: ['src/package-entry.ts'],
  outfile: 'dist/isr.cjs',
  plugins: [
    onlyDeclaredPackages,
    {
      // commander loads node:child_process at start for a feature isr does not use
      // (scripts/child-process-lazy.cjs).
      name: 'lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) =>
          /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
            ? { path: new URL('./child-process-lazy.cjs', import.meta.url).pathname }
            : undefined,
        );
      },
    },
  ],
  sourcemap: true,
});
// What bin/isr.js runs: it loads dist/isr.cjs with V8's code cache (src/startup/start.ts). On its
// own, small, and compiled by Node as usual: its import() is the one the bundle's code uses when
// that code comes from the cache (src/import-module.ts).
await build({
  ...oneCjsFile,
  entryPoints: ['src/startup/start.ts'],
  outfile: 'dist/start.cjs',
  plugins: [onlyDeclaredPackages],
});
// The package's ES entry: the library's exports of dist/isr.cjs, by name (`require`d, not
// imported: an import of a CommonJS file makes Node scan its source for export names, ~30 ms
// for this one).
const library = Object.keys(require('../dist/isr.cjs')).filter((n) => n !== 'main' && n !== '__esModule');
writeFileSync(
  'dist/index.js',
  `// Generated by scripts/build.mjs: the library's exports, from the one file the CLI runs too.\n` +
    `import { createRequire } from 'node:module';\n` +
    `const isr = createRequire(import.meta.url)('./isr.cjs');\n` +
    `export const { ${library.join(', ')} } = isr;\n`,
);

writeFileSync(
  'dist/bundled.json',
  `${JSON.stringify(
    Object.fromEntries(BUNDLED.map((n) => [n, JSON.parse(readFileSync(`node_modules/${n}/package.json`, 'utf8')).version])),
    null,
    2,
  )}\n`,
);

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

// The markdown-it plugins isr applies (heading ids, footnotes, definition lists: issue 21), one
// CommonJS file beside markdown-it's, loaded with it on the first Markdown page. Built in rather
// than loaded from node_modules for the reasons markdown-it is: they are devDependencies, and the
// versions isr was tested with are the ones it runs.
await build({
  stdin: {
    contents:
      "export { default as anchor } from 'markdown-it-anchor';\n" +
      "export { default as footnote } from 'markdown-it-footnote';\n" +
      "export { default as deflist } from 'markdown-it-deflist';\n",
    resolveDir: process.cwd(),
    loader: 'js',
  },
  outfile: 'dist/vendor/markdown-it-plugins.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  logLevel: 'warning',
});

// smol-toml, for `+++` TOML front matter (src/sources/front-matter-formats.ts), loaded on the first
// such file: one small file with no dependencies, so a site without TOML never compiles it.
await build({
  entryPoints: [require.resolve('smol-toml')],
  outfile: 'dist/vendor/smol-toml.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  logLevel: 'warning',
});
