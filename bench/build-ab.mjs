#!/usr/bin/env node
// Two checkouts of isr, one bench site each, `isr build` from scratch alternated round by round
// (old, new, old, new, …): on a shared, noisy machine a slow spell then hits both sides. Prints
// each round and the median of the per-round ratios new/old.
//
//   node bench/build-ab.mjs <old checkout> <old site> <new checkout> <new site> [rounds]
// Each site's node_modules/<package> should point at its own checkout (its config imports the
// package: 'isr' before the rename to static-isr, 'static-isr' after).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

const [oldIsr, oldSite, newIsr, newSite, roundsArg] = process.argv.slice(2);
if (!newSite) {
  console.error('usage: node bench/build-ab.mjs <old checkout> <old site> <new checkout> <new site> [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 6);

function build(isr, site) {
  rmSync(path.join(site, 'dist'), { recursive: true, force: true });
  rmSync(path.join(site, '.isr'), { recursive: true, force: true });
  const t0 = performance.now();
  // /usr/bin/time for the build's CPU time (user + sys): less swayed than wall time by other
  // processes on the cores, though a busy machine slows the CPU's own work too (caches, SMT).
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, path.join(isr, 'bin/isr.js'), 'build', site, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`build with ${isr} exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  cpu.set(isr, [...(cpu.get(isr) ?? []), (user + sys) * 1000]);
  return wall;
}
const cpu = new Map();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const olds = [];
const news = [];
const ratios = [];
for (let i = 0; i < rounds; i++) {
  // Which side goes first alternates too.
  const [a, b] = i % 2 ? [build(newIsr, newSite), build(oldIsr, oldSite)].reverse() : [build(oldIsr, oldSite), build(newIsr, newSite)];
  olds.push(a);
  news.push(b);
  ratios.push(b / a);
  console.log(`round ${i + 1}: old ${(a / 1000).toFixed(2)} s, new ${(b / 1000).toFixed(2)} s, ratio ${(b / a).toFixed(3)}`);
}
console.log(
  `median: old ${(median(olds) / 1000).toFixed(2)} s, new ${(median(news) / 1000).toFixed(2)} s, ratio of rounds ${median(ratios).toFixed(3)}`,
);
const [co, cn] = [cpu.get(oldIsr), cpu.get(newIsr)];
console.log(
  `CPU (user+sys) median: old ${(median(co) / 1000).toFixed(2)} s, new ${(median(cn) / 1000).toFixed(2)} s, ratio of rounds ${median(cn.map((c, i) => c / co[i])).toFixed(3)}`,
);
