// Cached-GET latency during a 20k regeneration (issue 16, item 6), two checkouts alternated:
//   node bench/serve-regen-ab.mjs <rounds> (sides: ISR_OLD / ISR_NEW, bin/isr.js of each; site: ISR_SITE).
import { serveDuringRegen } from './serve-during-regen.mjs';

const sides = { old: process.env.ISR_OLD, new: process.env.ISR_NEW ?? new URL('../bin/isr.js', import.meta.url).pathname };
const out = { old: [], new: [] };
for (let round = 1; round <= Number(process.argv[2] ?? 3); round++) {
  for (const name of round % 2 ? ['old', 'new'] : ['new', 'old']) {
    const r = await serveDuringRegen({
      site: process.env.ISR_SITE ?? '/dev/shm/isr-bench/site-20000',
      n: 20000,
      isrBin: sides[name],
      log: () => {},
    });
    out[name].push(r.p99Ms);
    console.log(
      round,
      name,
      `regen ${r.regenMs} ms, gets ${r.gets}, p50 ${r.p50Ms}, p99 ${r.p99Ms}, max ${r.maxMs}, idle p99 ${r.idleP99Ms}`,
    );
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log('median p99 old', med(out.old), 'new', med(out.new));
