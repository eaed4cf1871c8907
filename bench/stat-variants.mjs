#!/usr/bin/env node
// Ways to stat every file of a folder, for the floor under the `files` source's change detection
// (BENCHMARKS.md, issue 18 item 2): `sync` (statSync in a loop, what isr does), `async` (every
// fs.stat on the thread pool at once), `bounded` (64 in flight), `binding` (Node's internal
// process.binding('fs').stat, which builds no Stats object and no Dates: deprecated, measured only).
// Prints the wall time of listing + stats in this process and the process's CPU so far.
//
//   node bench/stat-variants.mjs <folder> sync|async|bounded|binding
import fs from 'node:fs';

const [dir, mode] = process.argv.slice(2);
const t0 = performance.now();
const names = fs.readdirSync(dir).sort();
const prefix = `${dir}/`;
let size = 0;
if (mode === 'sync') for (const n of names) size += fs.statSync(prefix + n).size;
else if (mode === 'async')
  await new Promise((done) => {
    let left = names.length;
    for (const n of names)
      fs.stat(prefix + n, (_, s) => {
        size += s.size;
        if (--left === 0) done();
      });
  });
else if (mode === 'bounded')
  await new Promise((done) => {
    let next = 0;
    let finished = 0;
    const one = () => {
      if (next >= names.length) return;
      fs.stat(prefix + names[next++], (_, s) => {
        size += s.size;
        if (++finished === names.length) done();
        else one();
      });
    };
    for (let i = 0; i < 64; i++) one();
  });
else if (mode === 'binding') {
  const b = process.binding('fs');
  for (const n of names) size += b.stat(prefix + n, false, undefined, true)[8];
} else throw new Error('mode: sync, async, bounded or binding');
const cpu = process.cpuUsage();
console.log(
  `${mode}: ${(performance.now() - t0).toFixed(1)} ms wall for ${names.length} files (${size} bytes); process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`,
);
