#!/usr/bin/env node
// `npm run torture`: the reliability suites (test/reliability/) with large counts — 200+ SIGKILLs
// of build/regen on a 2,000-page site, every free-space amount on a full disk, 10,000 hostile
// URLs, 10 s of load, more overlap rounds and lock contention — then a summary of the figures
// each suite reported. Files run one after another so the crash harness's kill instants are not
// skewed by the other suites' load. Extra arguments go to vitest (e.g. a file filter).
//
//   npm run torture                      # everything
//   npm run torture -- crash             # one suite
//   ISR_REL_SEED=123 npm run torture     # reproduce a seed printed by a failure
//   ISR_REL_CRASH_KILLS=1000 npm run torture -- crash
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const reportFile = process.env.ISR_TORTURE_REPORT ?? path.join(tmpdir(), `isr-torture-${process.pid}.jsonl`);
rmSync(reportFile, { force: true });

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repo, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const started = Date.now();
const vitest = path.join(repo, 'node_modules', 'vitest', 'vitest.mjs');
const filters = process.argv.slice(2).map((f) => (f.startsWith('-') || f.includes('/') ? f : `test/reliability/${f}`));
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    ...(filters.some((f) => !f.startsWith('-')) ? [] : ['test/reliability/']),
    ...filters,
    '--no-file-parallelism',
    '--testTimeout',
    String(4 * 3600_000),
    '--hookTimeout',
    '600000',
  ],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, ISR_TORTURE: '1', ISR_TORTURE_REPORT: reportFile } },
);

const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(`\n=== torture figures (${minutes} min, ${run.status === 0 ? 'all passed' : `vitest exited ${run.status}`}) ===`);
if (existsSync(reportFile)) {
  for (const line of readFileSync(reportFile, 'utf8').split('\n').filter(Boolean)) {
    const { suite, at: _at, ...figures } = JSON.parse(line);
    console.log(`${suite.padEnd(14)} ${JSON.stringify(figures)}`);
  }
  console.log(`(raw: ${reportFile})`);
}
process.exit(run.status ?? 1);
