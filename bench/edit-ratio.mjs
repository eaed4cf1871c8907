#!/usr/bin/env node
// The "1% edit costs <= 10% of a build" target, measured so that the VM's slow spells hit both
// sides: rounds of one build from scratch followed by three regens of 1% of the posts edited
// (every 100th, a new revision each time, `--paths-from`), and the ratio taken per round.
//
//   node bench/edit-ratio.mjs [site-dir=/dev/shm/isr-bench/site-20000] [rounds=6]
//
// The site is copied to <site-dir>-ratio first (the bench site itself is left as it is).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { postText, slugOf } from './generate.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ISR = path.join(HERE, '..', 'bin', 'isr.js');
const source = process.argv[2] ?? '/dev/shm/isr-bench/site-20000';
const rounds = Number(process.argv[3] ?? 6);
const n = Number(/site-(\d+)/.exec(source)?.[1] ?? NaN);
if (!existsSync(source) || !Number.isInteger(n)) throw new Error(`no bench site at ${source} (run npm run bench first)`);
const site = `${source}-ratio`;
rmSync(site, { recursive: true, force: true });
cpSync(source, site, { recursive: true, verbatimSymlinks: true });

const edited = Array.from({ length: Math.max(1, Math.floor(n / 100)) }, (_, k) => 1 + k * 100);
const list = path.join(site, '.ratio-paths.txt');
writeFileSync(list, `${edited.map((i) => `/posts/${slugOf(i)}/`).join('\n')}\n`);
let revision = 1000;
const edit = () => {
  revision++;
  for (const i of edited) writeFileSync(path.join(site, 'content/posts', `${slugOf(i)}.md`), postText(1, i, revision));
};
const time = (args) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [ISR, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`isr ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (let round = 0; round < rounds; round++) {
  rmSync(path.join(site, 'dist'), { recursive: true, force: true });
  rmSync(path.join(site, '.isr'), { recursive: true, force: true });
  const build = time(['build', site, '--quiet']);
  const edits = [];
  for (let i = 0; i < 3; i++) {
    edit();
    edits.push(time(['regen', site, '--quiet', '--paths-from', list]));
  }
  const e = median(edits);
  rows.push({ build, edit: e, ratio: e / build });
  console.log(
    `round ${round + 1}: build ${(build / 1000).toFixed(2)} s, 1% edit ${e.toFixed(0)} ms (median of 3), ${((100 * e) / build).toFixed(1)}%`,
  );
}
const ratios = rows.map((r) => r.ratio).sort((a, b) => a - b);
console.log(
  `median build ${(median(rows.map((r) => r.build)) / 1000).toFixed(2)} s, median edit ${median(rows.map((r) => r.edit)).toFixed(0)} ms, ` +
    `ratio median ${(100 * median(ratios)).toFixed(1)}% (${(100 * ratios[0]).toFixed(1)}–${(100 * ratios.at(-1)).toFixed(1)}%)`,
);
rmSync(site, { recursive: true, force: true });
