#!/usr/bin/env node
// Summarise a `node --cpu-prof` profile: top functions by self time, and self time by module
// (isr's own files, each dependency, node internals, GC, idle).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const topIdx = process.argv.indexOf('--top');
const TOP = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 25;
const prof = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: samples × their time deltas.
const selfUs = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const moduleOf = (url, name) => {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node:internal';
  const src = /\/dist\/(.+)\.js$/.exec(url);
  if (src) return `isr:${src[1]}`;
  return url.replace(/^file:\/\//, '');
};

const byFn = new Map();
const byModule = new Map();
for (const node of prof.nodes) {
  const us = selfUs.get(node.id);
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const short = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}` : '';
  const key = `${name} ${short}`.trim();
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const mod = moduleOf(url, name);
  byModule.set(mod, (byModule.get(mod) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`profile ${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
console.log('self time by module');
for (const [k, v] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
console.log(`\ntop ${TOP} functions by self time`);
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
