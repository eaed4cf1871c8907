// Change detection's cost on a built bench site: node -e 0, isr regen, isr regen --no-detect,
// alternated, medians. node bench/detect-ratio.mjs [rounds] (site: /dev/shm/isr-bench/site-20000, or ISR_BENCH_SITE).
import { spawnSync } from 'node:child_process';

const cmds = {
  node: ['-e', '0'],
  regen: [new URL('../bin/isr.js', import.meta.url).pathname, 'regen', '--quiet'],
  nodetect: [new URL('../bin/isr.js', import.meta.url).pathname, 'regen', '--quiet', '--no-detect'],
};
const t = { node: [], regen: [], nodetect: [] };
for (let i = 0; i < Number(process.argv[2] ?? 10); i++)
  for (const k of Object.keys(cmds)) {
    const s = performance.now();
    const r = spawnSync(process.execPath, cmds[k], { cwd: process.env.ISR_BENCH_SITE ?? '/dev/shm/isr-bench/site-20000' });
    if (r.status) throw new Error(k + r.stderr);
    t[k].push(performance.now() - s);
  }
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
console.log(
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, med(v).toFixed(1)])),
  'regen/node',
  (med(t.regen) / med(t.node)).toFixed(2),
  'nodetect/node',
  (med(t.nodetect) / med(t.node)).toFixed(2),
);
