#!/usr/bin/env node
// isr serve, two builds alternated round by round (old, new; then new, old; …) on two copies of
// one built site: cached-GET throughput (keep-alive clients in this process for a fixed time) and
// webhook revalidation (sequential POST /__isr/revalidate of one page, request to response).
//
//   node bench/serve-ab.mjs <old isr.js> <old site> <new isr.js> <new site> [rounds=5] [seconds=5] [posts=60]
// No wrk on the machine of issue 19's figures: the client is node:http with 32 sockets, sharing
// the cores with the server, so the figure is a ratio between the two builds, not a peak.
import { spawn } from 'node:child_process';
import http from 'node:http';

const [oldBin, oldSite, newBin, newSite, roundsArg, secondsArg, postsArg] = process.argv.slice(2);
if (!newSite) {
  console.error('usage: node bench/serve-ab.mjs <old isr.js> <old site> <new isr.js> <new site> [rounds] [seconds] [posts]');
  process.exit(2);
}
const rounds = Number(roundsArg ?? 5);
const seconds = Number(secondsArg ?? 5);
const posts = Number(postsArg ?? 60);
const PAGE = '/posts/post-000010/';

function start(bin, site) {
  const child = spawn(process.execPath, [bin, 'serve', site, '--port', '0'], {
    env: { ...process.env, ISR_REVALIDATE_SECRET: 'bench-secret' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ child, url: new URL(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}

function get(agent, url) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: PAGE, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

async function throughput(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const until = performance.now() + seconds * 1000;
  let n = 0;
  const loop = async () => {
    while (performance.now() < until) {
      if ((await get(agent, url)) !== 200) throw new Error('GET failed');
      n++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, loop));
  agent.destroy();
  return n / seconds;
}

async function revalidate(url) {
  const times = [];
  for (let i = 0; i < posts; i++) {
    const t0 = performance.now();
    const res = await fetch(new URL('/__isr/revalidate', url), {
      method: 'POST',
      headers: { 'x-isr-secret': 'bench-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ path: `/posts/post-${String(1 + (i % 10)).padStart(6, '0')}/` }),
    });
    await res.text();
    if (res.status !== 200) throw new Error(`revalidate: HTTP ${res.status}`);
    if (i >= 10) times.push(performance.now() - t0); // the first ten warm the server's code up
  }
  return median(times);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const sides = { old: [oldBin, oldSite], new: [newBin, newSite] };
const res = { old: { rps: [], hook: [] }, new: { rps: [], hook: [] } };
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 ? ['new', 'old'] : ['old', 'new']) {
    const { child, url } = await start(...sides[side]);
    await throughput(url); // warm-up, not counted
    const rps = await throughput(url);
    const hook = await revalidate(url);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    res[side].rps.push(rps);
    res[side].hook.push(hook);
    console.log(`round ${round + 1} ${side}: ${rps.toFixed(0)} req/s, webhook median ${hook.toFixed(2)} ms`);
  }
}
const ratio = (k) => median(res.new[k].map((v, i) => v / res.old[k][i]));
console.log(
  `median: old ${median(res.old.rps).toFixed(0)} req/s, new ${median(res.new.rps).toFixed(0)} req/s, ratio of rounds ${ratio('rps').toFixed(3)}`,
);
console.log(
  `webhook median: old ${median(res.old.hook).toFixed(2)} ms, new ${median(res.new.hook).toFixed(2)} ms, ratio of rounds ${ratio('hook').toFixed(3)}`,
);
