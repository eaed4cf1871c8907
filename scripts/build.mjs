// `npm run build`: type declarations from tsc, JavaScript from esbuild.
//
// Why bundle: a cron `isr regen` is mostly start-up. Loading isr as ~45 separate ES modules cost
// ~20-25 ms of every run (resolving, reading and compiling each file); two entry points with
// shared chunks load as a handful. Splitting keeps what a command does not use (the server, the
// watcher, the init command) out of the others' start-up, and gives the CLI and a user's config
// (which imports 'isr') the same module instances, so `instanceof IsrError` holds across them.
// Dependencies stay external: they are installed beside isr, and bundling them saved ~8 ms more.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { stdio: 'inherit' });
await build({
  entryPoints: [
    'src/cli.ts',
    'src/index.ts',
    // Loaded by path from dist/ by plain-Node scripts: the lock stress test's contenders
    // (test/reliability/harness/lock-stress.mjs) and bench/load-plan.mjs.
    'src/manifest/lock.ts',
    'src/manifest/manifest.ts',
    'src/plan/plan-regen.ts',
    'src/config/load-config.ts',
  ],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
