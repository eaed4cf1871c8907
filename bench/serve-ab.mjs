#!/usr/bin/env node
// isr serve, two builds alternated round by round (old, new; then new, old; …) on two copies of
// one built site: cached-GET throughput (keep-alive clients in this process for a fixed time) and
// webhook revalidation (sequential POST /__isr/revalidate of one page, request to response).
//
//   node bench/serve-ab.mjs <old isr.js> <old site> <new isr.js> <new site> [rounds=5] [seconds=5] [posts=60]
//   AB_ENV_OLD=ISR_SHARD_PATCH=0 node bench/serve-ab.mjs <isr.js> <site A> <isr.js> <site B>   # one build, two settings
// No wrk on the machine of issue 19's figures: the client is node:http with 32 sockets, sharing
// the cores with the server, so the figure is a ratio between the two builds, not a peak. Beside
// wall-clock figures, the server's own CPU time (user + sys from /proc/<pid>/stat) per request and
// per webhook: on a machine other work keeps busy, what the server spends is steadier than how
// long it waited for a core.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** `AB_ENV_OLD` / `AB_ENV_NEW` ("K=V,K2=V2"): environment for one side only (e.g. ISR_SHARD_PATCH=0). */
const sideEnv = (v) =>
  Object.fromEntries(
    (v ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=')),
  );

function start(bin, site, env) {
  const child = spawn(process.execPath, [bin, 'serve', site, '--port', '0'], {
    env: { ...process.env, ...env, ISR_REVALIDATE_SECRET: 'bench-secret' },
    stdio: ['ignore', 'pipe', 'ignore'],
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

/** CPU ms (user + sys) the process has used so far (clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const sides = { old: [oldBin, oldSite, sideEnv(process.env.AB_ENV_OLD)], new: [newBin, newSite, sideEnv(process.env.AB_ENV_NEW)] };
const keys = ['rps', 'cpuPerKReq', 'hook', 'cpuPerHook'];
const res = { old: {}, new: {} };
for (const side of ['old', 'new']) for (const k of keys) res[side][k] = [];
for (let round = 0; round < rounds; round++) {
  for (const side of round % 2 ? ['new', 'old'] : ['old', 'new']) {
    const { child, url } = await start(...sides[side]);
    await throughput(url); // warm-up, not counted
    let c0 = cpuMs(child.pid);
    const rps = await throughput(url);
    const cpuPerKReq = ((cpuMs(child.pid) - c0) / (rps * seconds)) * 1000;
    c0 = cpuMs(child.pid);
    const hook = await revalidate(url);
    const cpuPerHook = (cpuMs(child.pid) - c0) / posts;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    const row = { rps, cpuPerKReq, hook, cpuPerHook };
    for (const k of keys) res[side][k].push(row[k]);
    console.log(
      `round ${round + 1} ${side}: ${rps.toFixed(0)} req/s (${cpuPerKReq.toFixed(1)} CPU ms per 1000), webhook median ${hook.toFixed(2)} ms (${cpuPerHook.toFixed(2)} CPU ms each)`,
    );
  }
}
for (const k of keys) {
  const ratio = median(res.new[k].map((v, i) => v / res.old[k][i]));
  console.log(
    `${k}: old median ${median(res.old[k]).toFixed(2)}, new median ${median(res.new[k]).toFixed(2)}, median ratio of rounds new/old ${ratio.toFixed(3)}`,
  );
}
