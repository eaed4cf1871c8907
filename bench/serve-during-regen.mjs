#!/usr/bin/env node
// Cached-page latency of `isr serve` while it regenerates the whole site (issue 16, item 6).
//
// A regeneration's file work (load, render, stage, renames, site files, manifest) runs on the
// server's one thread: the question is how long a GET of a page already in memory waits while
// a big run is in flight. Steps, on a built bench site:
//   1. start `isr serve` (one process), warm the measured page into its memory cache;
//   2. edit the layout (a comment), so every page of the run renders to new bytes and is
//      staged, renamed, summarised in new shards and sitemaps: the whole write path;
//   3. POST the revalidation webhook naming every page (in chunks of --regen-chunk paths, sent at
//      once: the queue runs the first chunk and merges the rest into one run), and meanwhile
//      GET the page in a loop from --get-loops sequential keep-alive clients;
//   4. when every POST has answered, the GET latencies measured in between are the figure.
// Then the layout is restored and the site rebuilt by a regen, so later scenarios see it as built.
//
//   node bench/serve-during-regen.mjs /dev/shm/isr-bench/site-20000   (also run by bench/run.mjs)
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { slugOf } from './generate.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECRET = 'bench-secret';

/**
 * Measure; returns a result object for results.json. `n`: pages of the site (its posts are
 * post-000001 … post-<n>). `isrBin`: bin/isr.js of the checkout under test.
 */
export async function serveDuringRegen({ site, n, isrBin, chunk = 500, getLoops = 2, log = (s) => process.stderr.write(`${s}\n`) }) {
  const layout = path.join(site, 'templates/layout.eta');
  const original = readFileSync(layout, 'utf8');
  const server = await start(isrBin, site);
  const agent = new http.Agent({ keepAlive: true, maxSockets: getLoops });
  const page = `${server.url}/posts/${slugOf(1)}/`;
  try {
    for (let i = 0; i < 50; i++) await get(agent, page);
    const idle = await getFor(agent, page, 1000, getLoops);

    writeFileSync(layout, original.replace('</main>', `</main><!-- bench ${Date.now()} -->`));
    const paths = Array.from({ length: n }, (_, i) => `/posts/${slugOf(i + 1)}/`);
    const chunks = [];
    for (let i = 0; i < paths.length; i += chunk) chunks.push(paths.slice(i, i + chunk));
    let stop = false;
    const during = [];
    const loops = Array.from({ length: getLoops }, async () => {
      while (!stop) during.push(await get(agent, page));
    });
    const t0 = performance.now();
    const answers = await Promise.all(chunks.map((c) => post(`${server.url}/__isr/revalidate`, { paths: c })));
    const regenMs = performance.now() - t0;
    stop = true;
    await Promise.all(loops);
    const bad = answers.filter((a) => a.status !== 200);
    if (bad.length) throw new Error(`revalidate answered ${bad[0].status}: ${bad[0].body.slice(0, 300)}`);
    const rendered = new Set(answers.flatMap((a) => JSON.parse(a.body).rendered)).size;
    const written = new Set(answers.flatMap((a) => JSON.parse(a.body).written)).size;
    if (rendered !== n) throw new Error(`expected ${n} pages rendered, got ${rendered}`);
    const r = {
      size: n,
      name: 'serve-get-during-regen',
      fs: 'tmpfs',
      command: `isr serve; POST ${chunks.length} x ${chunk} paths (layout edited) while ${getLoops} clients GET a cached page`,
      regenMs: Math.round(regenMs),
      rendered,
      written,
      gets: during.length,
      p50Ms: round(pct(during, 0.5)),
      p99Ms: round(pct(during, 0.99)),
      maxMs: round(Math.max(...during)),
      idleP99Ms: round(pct(idle, 0.99)),
    };
    log(
      `  serve GET during a ${n}-page regen (${(regenMs / 1000).toFixed(2)} s, ${written} written): ${r.gets} GETs, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (idle p99 ${r.idleP99Ms} ms)`,
    );
    return r;
  } finally {
    agent.destroy();
    await stop_(server.child);
    writeFileSync(layout, original);
    // Back to the site as built (every page renders again with the original layout).
    spawnSync(process.execPath, [isrBin, 'regen', site, '--quiet'], { stdio: 'ignore' });
  }
}

const round = (x) => Math.round(x * 100) / 100;

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

/** One GET (body read); resolves its latency in ms. */
function get(agent, url) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent }, (res) => {
        res.on('data', () => {});
        res.on('end', () =>
          res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`GET ${url}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

async function getFor(agent, url, ms, loops) {
  const out = [];
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < end) out.push(await get(agent, url));
    }),
  );
  return out;
}

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'x-isr-secret': SECRET, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

function start(isrBin, site) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), isrBin, 'serve', site, '--port', '0', '--host', '127.0.0.1'],
      {
        env: { ...process.env, NO_COLOR: '1', ISR_REVALIDATE_SECRET: SECRET },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /https?:\/\/[^\s]+/.exec(out);
      if (m) resolve({ child, url: m[0].replace(/\/$/, '') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    if (process.env.BENCH_SERVER_LOG) {
      child.stderr.pipe(process.stderr);
      child.stdout.pipe(process.stderr);
    }
    child.on('exit', (code) => reject(new Error(`isr serve exited ${code}: ${out.trim().split('\n').pop()}`)));
  });
}

function stop_(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const site = path.resolve(process.argv[2] ?? '/dev/shm/isr-bench/site-20000');
  const n = Number(/site-(\d+)$/.exec(site)?.[1] ?? 20000);
  const isr = process.argv.includes('--isr') ? process.argv[process.argv.indexOf('--isr') + 1] : path.resolve(HERE, '..');
  const r = await serveDuringRegen({ site, n, isrBin: path.join(isr, 'bin/isr.js') });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
