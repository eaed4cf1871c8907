#!/usr/bin/env node
// Render bench/results.json as the Markdown tables used in BENCHMARKS.md.
//   node bench/report.mjs [results.json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
const doc = JSON.parse(readFileSync(file, 'utf8'));
const rs = doc.results;
const sizes = [...new Set(rs.filter((r) => r.medianMs !== undefined && !r.name.startsWith('serve')).map((r) => r.size))].sort(
  (a, b) => a - b,
);
const get = (n, name, fs = 'tmpfs') => rs.find((r) => r.size === n && r.name === name && r.fs === fs);
const t = (ms) => (ms === undefined ? '–' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const cell = (r, mem = false) => (r ? `${t(r.medianMs)}${mem ? ` / ${r.maxRssMB} MB` : ''}` : '–');

console.log(
  `Run of ${doc.date} · ${doc.machine.cpu}, ${doc.machine.nproc} cores, ${doc.machine.memGB} GB, node ${doc.machine.node}, isr ${doc.machine.commit}\n`,
);
console.log(
  '| pages | build, tmpfs (wall / peak RSS) | build CPU | build, disk | regen nothing due | regen --path (1 page) | edit 1% + --tag | edit 1% + --path | touch layout + regen |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const b = get(n, 'build');
  console.log(
    `| ${n.toLocaleString('en')} | ${cell(b, true)} | ${b ? t(b.medianCpuMs) : '–'} | ${cell(get(n, 'build', 'disk'))} | ${cell(get(n, 'regen-noop'), true)} | ${cell(get(n, 'regen-path'), true)} | ${cell(get(n, 'regen-edit-1pct-tag'), true)} | ${cell(get(n, 'regen-edit-1pct-path'), true)} | ${cell(get(n, 'regen-touch-layout'))} |`,
  );
}
console.log('\nSpread (min – max wall) and CPU (user+sys median) per scenario:\n');
console.log('| pages | scenario | fs | runs | median | min – max | CPU | peak RSS |');
console.log('|---:|---|---|---:|---:|---:|---:|---:|');
for (const r of rs.filter((x) => x.medianMs !== undefined && !x.name.startsWith('serve'))) {
  console.log(
    `| ${r.size.toLocaleString('en')} | ${r.name} | ${r.fs} | ${r.runs} | ${t(r.medianMs)} | ${t(r.minMs)} – ${t(r.maxMs)} | ${t(r.medianCpuMs)} | ${r.maxRssMB} MB |`,
  );
}
for (const r of rs.filter((x) => x.name.startsWith('serve'))) {
  if (r.skipped) console.log(`\n${r.name}: ${r.note}`);
  else if (r.name.startsWith('serve-cached'))
    console.log(
      `\nserve, cached page (${r.size.toLocaleString('en')}-page site): ${Math.round(r.rps).toLocaleString('en')} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}${r.runs ? `, median of ${r.runs} (${r.all.map((x) => Math.round(x.rps)).join(', ')} req/s)` : ''} (\`${r.command.replace(/http:\/\/[^ ]+/, 'URL')}\`)`,
    );
  else console.log(`serve, revalidation POST until response: median ${r.medianMs} ms, max ${r.maxMs} ms, n=${r.runs}`);
}
