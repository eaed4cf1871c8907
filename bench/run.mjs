#!/usr/bin/env node
// The benchmark harness (`npm run bench`). Not a test: it asserts nothing, it measures.
//
// For each site size it generates the workload (bench/generate.mjs) under /dev/shm/isr-bench
// (tmpfs, so the disk does not dominate) and, for the on-disk figure, under bench/.work/; then
// runs each scenario several times as a separate `node bin/isr.js …` process and records the
// whole process's wall time (from spawn to exit) and peak RSS (`/usr/bin/time -f %M`, i.e. the
// kernel's ru_maxrss of the child). Prints a table of medians and writes bench/results.json.
//
//   node bench/run.mjs                  quick: 1k, 4k, 20k
//   node bench/run.mjs --full           adds 100k
//   node bench/run.mjs --sizes 1000,20000 --runs 5 --only build,regen-noop
//   node bench/run.mjs --isr /path/to/other/checkout   (compare builds of isr)
//   node bench/run.mjs --sizes 20000 --only serve-regen   (cached GETs during a 20k-page regen)
//   options: --no-disk  --no-serve  --serve-size N  --serve-workers 1,2  --serve-rounds 3
//            --out FILE  --keep (do not delete sites)
//            --idle-wait S  --idle-busy F (wait for a quiet machine before each run)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, postText, slugOf } from './generate.mjs';
import { serveDuringRegen } from './serve-during-regen.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const SEED = 1;

// ---- options -------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const full = flag('full');
const sizes = (opt('sizes') ?? (full ? '1000,4000,20000,100000' : '1000,4000,20000')).split(',').map(Number);
const only = opt('only')?.split(',');
const runsOverride = opt('runs') ? Number(opt('runs')) : undefined;
const ISR_DIR = path.resolve(opt('isr', REPO));
const ISR_BIN = path.join(ISR_DIR, 'bin/isr.js');
const TMPFS_ROOT = '/dev/shm/isr-bench';
const DISK_ROOT = path.join(REPO, 'bench/.work');
const OUT = path.resolve(opt('out', path.join(HERE, 'results.json')));
const withDisk = !flag('no-disk');
const withServe = !flag('no-serve');
const serveSize = Number(opt('serve-size', '20000'));
const TIME = '/usr/bin/time';

// dist/isr.cjs since 42110fe; dist/cli.js in older checkouts (`--isr`).
if (!['dist/isr.cjs', 'dist/cli.js'].some((f) => existsSync(path.join(ISR_DIR, f)))) {
  console.error(`no ${path.join(ISR_DIR, 'dist/isr.cjs')}: run \`npm run build\` first`);
  process.exit(2);
}
if (!existsSync(TIME)) {
  console.error('/usr/bin/time is needed for peak memory (Debian package "time")');
  process.exit(2);
}

/** Runs per scenario: fewer for the big sites (each run is long, and the spread is small). */
const runsFor = (n, kind) => runsOverride ?? (kind === 'build' ? (n >= 100_000 ? 3 : n >= 20_000 ? 5 : 7) : n >= 100_000 ? 5 : 9);

// ---- measuring -----------------------------------------------------------------------------

/** CPU busy fraction of the whole machine over `ms` (from /proc/stat). */
function busyOver(ms) {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + f[4];
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  spawnSync('sleep', [String(ms / 1000)]);
  const b = read();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
}

/**
 * Other people's processes share this 2-core machine (test suites, compilers). Before each run,
 * wait (up to --idle-wait seconds, default 20) until at most --idle-busy (default 0.25) of the CPU
 * is in use, and record how busy it was (`busyBefore` in results.json).
 */
const IDLE_WAIT_MS = Number(opt('idle-wait', '20')) * 1000;
const IDLE_BUSY = Number(opt('idle-busy', '0.25'));
function waitIdle() {
  const start = Date.now();
  let busy = busyOver(300);
  while (busy > IDLE_BUSY && Date.now() - start < IDLE_WAIT_MS) busy = busyOver(500);
  return busy;
}

/** One measured run of `node bin/isr.js …args`: wall ms (spawn → exit) and peak RSS in MB. */
function measure(args, { cwd = REPO, env = {} } = {}) {
  const busyBefore = waitIdle();
  const memFile = path.join(os.tmpdir(), `isr-bench-mem-${process.pid}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%M %U %S', '-o', memFile, process.execPath, ISR_BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const [maxKB, user, sys] = readFileSync(memFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const rssMB = maxKB / 1024;
  const cpuMs = (user + sys) * 1000;
  if (r.status !== 0) {
    throw new Error(`isr ${args.join(' ').slice(0, 200)} exited ${r.status}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  }
  return { wallMs, rssMB, cpuMs, busyBefore, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- sites ---------------------------------------------------------------------------------

/** Generate the site for `n` in `root` unless an identical one is there (a marker says so). */
async function ensureSite(root, n) {
  const dir = path.join(root, `site-${n}`);
  const marker = path.join(dir, '.bench-site.json');
  const gen = readFileSync(path.join(HERE, 'generate.mjs'), 'utf8');
  const want = JSON.stringify({ n, seed: SEED, isr: ISR_DIR, gen: `${gen.length}:${hashOf(gen)}` });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return dir;
  const t0 = Date.now();
  await generate(dir, n, { seed: SEED });
  if (ISR_DIR !== REPO) {
    rmSync(path.join(dir, 'node_modules/static-isr'));
    execFileSync('ln', ['-s', ISR_DIR, path.join(dir, 'node_modules/static-isr')]);
  }
  writeFileSync(marker, want);
  log(`  generated ${n} posts in ${dir} (${Date.now() - t0} ms)`);
  return dir;
}

function hashOf(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}

const clean = (site) => {
  rmSync(path.join(site, 'dist'), { recursive: true, force: true });
  rmSync(path.join(site, '.isr'), { recursive: true, force: true });
};

/** The 1% of posts the edit scenarios change: every 100th, starting with the first. */
const editedPosts = (n) => Array.from({ length: Math.max(1, Math.floor(n / 100)) }, (_, k) => 1 + k * 100);
let revision = 0;
function editPosts(site, n) {
  revision++;
  for (const i of editedPosts(n)) writeFileSync(path.join(site, 'content/posts', `${slugOf(i)}.md`), postText(SEED, i, revision));
}
function restorePosts(site, n) {
  for (const i of editedPosts(n)) writeFileSync(path.join(site, 'content/posts', `${slugOf(i)}.md`), postText(SEED, i, 0));
}

function manifestPages(site) {
  // The head counts each shard's pages (the pages themselves are in .isr/manifest-pages/).
  const head = JSON.parse(readFileSync(path.join(site, '.isr/manifest.json'), 'utf8'));
  return Object.values(head.shards).reduce((n, s) => n + s.pages, 0);
}

// ---- scenarios -----------------------------------------------------------------------------

const results = [];
const log = (s) => process.stderr.write(`${s}\n`);
const want = (name) => !only || only.includes(name);

/**
 * Run one scenario `runs` times. `prepare` runs before each (not timed); `check` validates the
 * last run's output so a scenario cannot silently measure the wrong thing.
 */
function scenario(size, name, fs, args, { runs, prepare, check, cwd, note } = {}) {
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    prepare?.(i);
    last = measure(args, { cwd });
    samples.push({
      wallMs: Math.round(last.wallMs * 10) / 10,
      cpuMs: Math.round(last.cpuMs),
      rssMB: Math.round(last.rssMB * 10) / 10,
      busyBefore: Math.round(last.busyBefore * 100) / 100,
    });
  }
  const checked = check?.(last);
  const r = {
    size,
    name,
    fs,
    command: `node bin/isr.js ${args.join(' ').replace(/(--tag \S+ ){3,}/, (m) => `${m.split(' --tag').slice(0, 1)} … `)}`.slice(0, 300),
    runs: samples.length,
    medianMs: Math.round(median(samples.map((s) => s.wallMs))),
    minMs: Math.round(Math.min(...samples.map((s) => s.wallMs))),
    maxMs: Math.round(Math.max(...samples.map((s) => s.wallMs))),
    medianCpuMs: Math.round(median(samples.map((s) => s.cpuMs))),
    medianRssMB: Math.round(median(samples.map((s) => s.rssMB))),
    maxRssMB: Math.round(Math.max(...samples.map((s) => s.rssMB))),
    samples,
    ...(checked ? { checked } : {}),
    ...(note ? { note } : {}),
  };
  results.push(r);
  log(
    `  ${name.padEnd(22)} ${fs.padEnd(6)} median ${fmtMs(r.medianMs).padStart(8)}  (min ${fmtMs(r.minMs)}, max ${fmtMs(r.maxMs)}, n=${r.runs}, cpu ${fmtMs(r.medianCpuMs)})  peak ${r.maxRssMB} MB${checked ? `  ${JSON.stringify(checked)}` : ''}`,
  );
  return r;
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

function expectJson(stdout, expect) {
  const j = JSON.parse(stdout.trim().split('\n').pop());
  const got = { rendered: j.rendered.length, written: j.written.length, failed: j.failed.length };
  // `written` may also hold sitemap.xml (its lastmod follows the edited pages): at least, not exactly.
  for (const [k, v] of Object.entries(expect)) {
    if (k === 'written' ? got[k] < v : got[k] !== v) throw new Error(`expected ${k} = ${v}, got ${JSON.stringify(got)}`);
  }
  return got;
}

async function sizeSuite(n) {
  log(`\n== ${n.toLocaleString('en')} pages ==`);
  const site = await ensureSite(TMPFS_ROOT, n);
  const bRuns = runsFor(n, 'build');
  const rRuns = runsFor(n, 'regen');

  if (want('build')) {
    scenario(n, 'build', 'tmpfs', ['build', site, '--quiet'], {
      runs: bRuns,
      prepare: () => clean(site),
      check: () => {
        const pages = manifestPages(site);
        if (pages !== n) throw new Error(`build: expected ${n} pages in the manifest, found ${pages}`);
        return { pages };
      },
    });
  }
  if (want('build-disk') && withDisk && n <= 20_000) {
    const disk = await ensureSite(DISK_ROOT, n);
    scenario(n, 'build', 'disk', ['build', disk, '--quiet'], {
      runs: Math.min(bRuns, 5),
      prepare: () => {
        clean(disk);
        spawnSync('sync');
      },
    });
    if (!flag('keep')) clean(disk);
  }
  if (!existsSync(path.join(site, '.isr/manifest.json'))) measure(['build', site, '--quiet']);

  if (want('regen-noop')) {
    scenario(n, 'regen-noop', 'tmpfs', ['regen', site, '--json'], { runs: rRuns, check: (l) => expectJson(l.stdout, { rendered: 0 }) });
  }
  if (want('regen-path')) {
    scenario(n, 'regen-path', 'tmpfs', ['regen', site, '--json', '--path', `/posts/${slugOf(Math.ceil(n / 2))}/`], {
      runs: rRuns,
      check: (l) => expectJson(l.stdout, { rendered: 1 }),
    });
  }
  if (want('regen-tag')) {
    // One post's tag, as a CMS webhook or `isr regen --tag` from CI sends it: the shards' tag
    // filters tell which shard to read.
    scenario(n, 'regen-tag', 'tmpfs', ['regen', site, '--json', '--tag', `file:content/posts/${slugOf(Math.ceil(n / 3))}.md`], {
      runs: rRuns,
      check: (l) => expectJson(l.stdout, { rendered: 1 }),
    });
  }
  if (want('plan-all')) {
    // Loading every page of the manifest and planning them all, rendering nothing.
    scenario(n, 'plan-all', 'tmpfs', ['regen', site, '--all', '--dry-run', '--quiet'], { runs: Math.min(rRuns, 5) });
  }
  if (want('regen-touch-layout')) {
    const layout = path.join(site, 'templates/layout.eta');
    scenario(n, 'regen-touch-layout', 'tmpfs', ['regen', site, '--json'], {
      runs: rRuns,
      prepare: () => {
        const t = new Date();
        utimesSync(layout, t, t);
      },
      check: (l) => expectJson(l.stdout, { rendered: 0 }),
      note: 'layout mtime changed, bytes identical: content hashes say nothing to do',
    });
  }
  const edited = editedPosts(n);
  if (want('regen-edit-tag')) {
    const args = ['regen', site, '--json', ...edited.flatMap((i) => ['--tag', `file:content/posts/${slugOf(i)}.md`])];
    scenario(n, 'regen-edit-1pct-tag', 'tmpfs', args, {
      runs: rRuns,
      prepare: () => editPosts(site, n),
      check: (l) => expectJson(l.stdout, { rendered: edited.length, written: edited.length }),
    });
  }
  if (want('regen-edit-path')) {
    const list = path.join(site, '.bench-paths.txt');
    writeFileSync(list, `${edited.map((i) => `/posts/${slugOf(i)}/`).join('\n')}\n`);
    scenario(n, 'regen-edit-1pct-path', 'tmpfs', ['regen', site, '--json', '--paths-from', list], {
      runs: rRuns,
      prepare: () => editPosts(site, n),
      check: (l) => expectJson(l.stdout, { rendered: edited.length, written: edited.length }),
    });
  }
  if (want('regen-edit-layout') && n === 20_000) {
    // For scale only: a real layout edit re-renders every page by design (content-hash closure).
    const layout = path.join(site, 'templates/layout.eta');
    const original = readFileSync(layout, 'utf8');
    scenario(n, 'regen-edit-layout', 'tmpfs', ['regen', site, '--quiet'], {
      runs: 3,
      prepare: (i) => writeFileSync(layout, original.replace('</main>', `</main><!-- rev ${i} ${Date.now()} -->`)),
      note: 'every page uses the layout, so every page re-renders (expected, not a target)',
    });
    writeFileSync(layout, original);
    measure(['regen', site, '--quiet']);
  }
  restorePosts(site, n);
  if (!flag('keep') && n >= 100_000) rmSync(site, { recursive: true, force: true });
}

// ---- serve ---------------------------------------------------------------------------------

/** Start `isr serve` on an ephemeral loopback port; resolves its URL, or undefined if it cannot. */
function startServe(site, env, args = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ISR_BIN, 'serve', site, '--port', '0', '--host', '127.0.0.1', ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => done(undefined, 'no URL printed within 30 s'), 30_000);
    const done = (url, why) => {
      clearTimeout(timer);
      if (!url) child.kill();
      resolve({ child, url, why, out });
    };
    const onData = (d) => {
      out += d;
      const m = /https?:\/\/[^\s]+/.exec(out);
      if (m) done(m[0].replace(/\/$/, ''));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => done(undefined, `exited ${code}: ${out.trim().split('\n').pop()}`));
  });
}

/** Stop a server started by startServe and wait until it (and any workers) exited. */
function stopServe(s) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  return exited;
}

async function serveSuite() {
  log(`\n== serve (${serveSize.toLocaleString('en')} pages) ==`);
  const site = await ensureSite(TMPFS_ROOT, serveSize);
  if (!existsSync(path.join(site, '.isr/manifest.json'))) measure(['build', site, '--quiet']);
  const secret = 'bench-secret';
  if (spawnSync('which', ['wrk']).status !== 0) {
    results.push({ size: serveSize, name: 'serve-cached', skipped: true, note: 'wrk not installed (apt-get install wrk)' });
  } else {
    // Rounds alternate the worker counts, so a slow spell of the VM hits each of them.
    const counts = opt('serve-workers', '1,2').split(',').map(Number);
    const rounds = Number(opt('serve-rounds', '3'));
    const runs = new Map(counts.map((w) => [w, []]));
    for (let round = 0; round < rounds; round++) {
      for (const w of counts) {
        const s = await startServe(site, {}, ['--workers', String(w)]);
        if (!s.url) {
          log(`  serve --workers ${w}: did not start (${s.why})`);
          continue;
        }
        try {
          const page = `${s.url}/posts/${slugOf(1)}/`;
          const first = await fetch(page);
          if (first.status !== 200) throw new Error(`GET ${page}: ${first.status}`);
          await first.text();
          waitIdle();
          // Warm-up, then the measured 10 s. wrk and the server share the 2 cores.
          spawnSync('wrk', ['-t2', '-c50', '-d2s', page], { encoding: 'utf8' });
          const out = spawnSync('wrk', ['-t2', '-c50', '-d10s', '--latency', page], { encoding: 'utf8' }).stdout;
          const run = {
            rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
            p50Ms: toMs(/\s50%\s+([\d.]+\w+)/.exec(out)?.[1]),
            p99Ms: toMs(/\s99%\s+([\d.]+\w+)/.exec(out)?.[1]),
            non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0'),
          };
          runs.get(w).push(run);
          log(
            `  serve-cached --workers ${w}: ${Math.round(run.rps)} req/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}`,
          );
        } finally {
          await stopServe(s);
        }
      }
    }
    for (const [w, rs] of runs) {
      if (!rs.length) continue;
      const r = {
        size: serveSize,
        name: w === 1 ? 'serve-cached' : `serve-cached-w${w}`,
        fs: 'tmpfs',
        command: `isr serve --workers ${w}; wrk -t2 -c50 -d10s --latency URL`,
        runs: rs.length,
        rps: median(rs.map((x) => x.rps)),
        p50Ms: median(rs.map((x) => x.p50Ms)),
        p99Ms: median(rs.map((x) => x.p99Ms)),
        non2xx: rs.reduce((a, x) => a + x.non2xx, 0),
        all: rs,
      };
      results.push(r);
      log(`  ${r.name}: median of ${r.runs}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms} ms`);
    }
  }

  const s = await startServe(site, { ISR_REVALIDATE_SECRET: secret });
  if (!s.url) {
    const note = `skipped: isr serve did not start (${s.why})`;
    log(`  ${note}`);
    results.push({ size: serveSize, name: 'serve-revalidate', fs: 'tmpfs', skipped: true, note });
    return;
  }
  try {
    // A server that has been answering pages (2 s of wrk, as before the measured wrk runs),
    // then 31 POSTs (the first is dropped: lazy setup), then 100 more after 100
    // unmeasured ones: a CMS's occasional call meets the first kind; V8 (the server's and the
    // fetch client's) has tiered the code up only after a few dozen calls.
    if (spawnSync('which', ['wrk']).status === 0) spawnSync('wrk', ['-t2', '-c50', '-d2s', `${s.url}/posts/${slugOf(1)}/`]);
    waitIdle();
    const times = [];
    for (let i = 0; i < 231; i++) {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${s.url}/__isr/revalidate`, {
        method: 'POST',
        headers: { 'x-isr-secret': secret, 'content-type': 'application/json' },
        body: JSON.stringify({ path: `/posts/${slugOf(1 + (i % 10))}/` }),
      });
      await res.text();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 200) throw new Error(`revalidate: HTTP ${res.status}`);
      times.push(ms);
    }
    for (const [name, part] of [
      ['serve-revalidate', times.slice(1, 31)],
      ['serve-revalidate-warm', times.slice(131)],
    ]) {
      const r = {
        size: serveSize,
        name,
        fs: 'tmpfs',
        runs: part.length,
        medianMs: Math.round(median(part) * 100) / 100,
        maxMs: Math.round(Math.max(...part) * 100) / 100,
      };
      results.push(r);
      log(`  ${name}: median ${r.medianMs} ms (max ${r.maxMs} ms, n=${r.runs})`);
    }
  } finally {
    await stopServe(s);
  }
}

function toMs(s) {
  if (!s) return undefined;
  const m = /^([\d.]+)(us|ms|s)$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

// ---- main ----------------------------------------------------------------------------------

function machine() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', ISR_DIR, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    if (execFileSync('git', ['-C', ISR_DIR, 'status', '--porcelain', 'src'], { encoding: 'utf8' }).trim()) commit += '+dirty';
  } catch {}
  return {
    nproc: os.cpus().length,
    cpu,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    tmpfs: TMPFS_ROOT,
    isr: ISR_DIR,
    commit,
  };
}

function table() {
  const get = (n, name, fs = 'tmpfs') => results.find((r) => r.size === n && r.name === name && r.fs === fs);
  const cell = (r) => (r ? fmtMs(r.medianMs) : '–');
  const rows = [
    [
      'pages',
      'build (tmpfs)',
      'peak MB',
      'build (disk)',
      'regen no-op',
      'regen --path 1',
      'regen --tag 1',
      'edit 1% --tag',
      'edit 1% --path',
      'touch layout',
      'load+plan all',
    ],
  ];
  for (const n of sizes) {
    const b = get(n, 'build');
    rows.push([
      n.toLocaleString('en'),
      cell(b),
      b ? String(b.maxRssMB) : '–',
      cell(get(n, 'build', 'disk')),
      cell(get(n, 'regen-noop')),
      cell(get(n, 'regen-path')),
      cell(get(n, 'regen-tag')),
      cell(get(n, 'regen-edit-1pct-tag')),
      cell(get(n, 'regen-edit-1pct-path')),
      cell(get(n, 'regen-touch-layout')),
      cell(get(n, 'plan-all')),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (r, j) =>
        `| ${r.map((c, i) => c.padStart(widths[i])).join(' | ')} |${j === 0 ? `\n|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|` : ''}`,
    )
    .join('\n');
}

const info = machine();
log(`isr bench: ${info.cpu}, ${info.nproc} cores, ${info.memGB} GB, node ${info.node}, isr ${info.commit || ISR_DIR}`);
log(`sites on tmpfs under ${TMPFS_ROOT}; on-disk under ${path.relative(REPO, DISK_ROOT)}/`);
mkdirSync(TMPFS_ROOT, { recursive: true });
const started = new Date();
for (const n of sizes) await sizeSuite(n);
if (withServe && want('serve')) await serveSuite();
if (withServe && want('serve-regen')) {
  // Cached-GET latency while isr serve regenerates every page (bench/serve-during-regen.mjs).
  const site = await ensureSite(TMPFS_ROOT, serveSize);
  if (!existsSync(path.join(site, '.isr/manifest.json'))) measure(['build', site, '--quiet']);
  waitIdle();
  results.push(await serveDuringRegen({ site, n: serveSize, isrBin: ISR_BIN, log }));
}
const doc = { date: started.toISOString(), argv, machine: info, results };
writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`\n${table()}\n`);
for (const r of results.filter((r) => r.name.startsWith('serve'))) {
  process.stdout.write(r.skipped ? `${r.name}: ${r.note}\n` : `${r.name}: ${JSON.stringify({ ...r, size: undefined, name: undefined })}\n`);
}
log(`\nwrote ${path.relative(process.cwd(), OUT)}`);
