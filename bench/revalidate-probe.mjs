#!/usr/bin/env node
// Time on-demand revalidation POSTs against a running `isr serve` (start it with
// ISR_REVALIDATE_SECRET=bench-secret). Prints the median and quartiles of n POSTs.
//
//   node bench/revalidate-probe.mjs http://127.0.0.1:PORT [n=200] [warm-up URL]
//
// With a warm-up URL (any server answering POSTs, e.g. another isr serve), the client first
// sends it 200 POSTs, so what is measured is the server's warm-up, not the fetch client's.
const [url, nArg, warmUrl] = process.argv.slice(2);
const n = Number(nArg ?? 200);
if (warmUrl) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${warmUrl}/__isr/revalidate`, {
      method: 'POST',
      headers: { 'x-isr-secret': 'bench-secret', 'content-type': 'application/json' },
      body: '{"path":"/"}',
    });
    await res.text();
  }
}
const times = [];
for (let i = 0; i < n; i++) {
  const slug = `post-${String(1 + (i % 10)).padStart(6, '0')}`;
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${url}/__isr/revalidate`, {
    method: 'POST',
    headers: { 'x-isr-secret': 'bench-secret', 'content-type': 'application/json' },
    body: JSON.stringify({ path: `/posts/${slug}/` }),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  if (i > 0) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const q = (p) => times[Math.floor(p * (times.length - 1))].toFixed(2);
console.log(`revalidate: median ${q(0.5)} ms, p25 ${q(0.25)}, p75 ${q(0.75)}, n=${times.length}`);
