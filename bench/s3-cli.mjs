// Whole `isr` processes against a loopback Ceph RGW (.ci/s3-server), through a counting HTTP
// proxy on loopback: the requests each command sends (by method) and its wall time from spawn to
// exit. Issue 20 item 9's targets: `isr regen --path` of one page ≤ 8 requests and ≤ 0.5 s; a regen
// with nothing due and nothing changed ≤ 2 requests; a 20,000-page build's upload ≥ 10× faster
// than one process per file (the old CI example: a local build, then one upload process per file).
//
//   eval "$(.ci/s3-server start /tmp/isr-s3)"
//   node bench/s3-cli.mjs [--pages 20000] [--trials 5] [--sample 30] [--rounds 2]
//
// The site is bench/generate.mjs's (N Markdown posts, one route). Each command runs on a bare
// runner (no dist/, no .isr/: what a CI job has) unless the row says "warm" (the folders the
// previous command left, which a store may use as a cache). The per-file side is timed on a
// sample of files (one node process each, sequential, the S3 store bundled with esbuild) and
// multiplied out; rounds alternate the local build, the S3 build and the per-file sample.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { generate, postText, slugOf } from './generate.mjs';

const { values: opt } = parseArgs({
  options: {
    pages: { type: 'string', default: '20000' },
    trials: { type: 'string', default: '5' },
    sample: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '2' },
    'skip-build-compare': { type: 'boolean', default: false },
  },
});
const N = Number(opt.pages);
const TRIALS = Number(opt.trials);
const env = process.env;
if (!env.ISR_TEST_S3_ENDPOINT) throw new Error('no S3 server: eval "$(.ci/s3-server start /tmp/isr-s3)" first');
const target = new URL(env.ISR_TEST_S3_ENDPOINT);
const bucket = env.ISR_TEST_S3_BUCKET;
const repo = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(repo, 'bin/isr.js');
const NOW = '2026-06-01T00:00:00Z';
const runEnv = {
  ...env,
  NO_COLOR: '1',
  AWS_ACCESS_KEY_ID: env.ISR_TEST_S3_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: env.ISR_TEST_S3_SECRET_ACCESS_KEY,
  AWS_REGION: env.ISR_TEST_S3_REGION ?? 'us-east-1',
  ISR_NOW: NOW,
};

// The counting proxy: forwards each request unchanged (Host included, so signatures hold).
const counts = {};
/** The requests of the last command, in order: method, condition, key (the part after the bucket). */
const sequence = [];
const proxy = createServer((req, res) => {
  const kind = req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url) ? 'DELETE-BATCH' : req.method;
  counts[kind] = (counts[kind] ?? 0) + 1;
  const cond = req.headers['if-match'] ? ' If-Match' : req.headers['if-none-match'] ? ' If-None-Match' : '';
  sequence.push(
    `${kind}${cond} ${decodeURIComponent(req.url.split('?')[0])
      .replace(`/${bucket}/`, '')
      .replace(/^bench\/cli-[^/]*\//, '')
      .replace(/^\.isr\/bench\/cli-[^/]*\//, '.isr/…/')}`,
  );
  const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (a) => {
    res.writeHead(a.statusCode, a.headers);
    a.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
proxy.keepAliveTimeout = 1000;
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${proxy.address().port}`;

const work = path.join(tmpdir(), `isr-s3-cli-bench-${randomBytes(3).toString('hex')}`);
const site = path.join(work, 'site');
await generate(site, N);
const prefix = `bench/cli-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const SAMPLE_PAGE = path.join(work, 'sample.html');
const storeFlags = (p = prefix) => ['--store', `s3://${bucket}/${p}`, '--endpoint', endpoint];

const TIME = '/usr/bin/time';
const hasTime = spawnSync(TIME, ['-f', '%U', 'true']).status === 0;

/** One whole isr process: wall ms from spawn to exit, CPU ms (user + sys, with /usr/bin/time), and the requests it sent by kind. */
function isr(args, extraEnv = {}) {
  for (const k of Object.keys(counts)) delete counts[k];
  sequence.length = 0;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const argv = hasTime ? [TIME, '-f', 'cpu %U %S', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
    const child = spawn(argv[0], argv.slice(1), { env: { ...runEnv, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.stdout.resume();
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`isr ${args.join(' ')} exited ${code}: ${err}`));
      const cpu = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
      const requests = Object.values(counts).reduce((a, b) => a + b, 0);
      resolve({
        ms,
        cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined,
        requests,
        byKind: { ...counts },
        sequence: [...sequence],
      });
    });
  });
}
const bare = () => {
  rmSync(path.join(site, 'dist'), { recursive: true, force: true });
  rmSync(path.join(site, '.isr'), { recursive: true, force: true });
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kinds = (byKind) =>
  Object.entries(byKind)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

console.log(
  `# isr through the CLI against ${env.ISR_TEST_S3_ENDPOINT} (Ceph RGW ${radosgwVersion()}), via a counting proxy; ` +
    `node ${process.version}, ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${N} pages`,
);

// 1. The build: local (fs) and into the bucket, alternated; and one process per file, sampled.
const onePut = await perFileUploader();
const rows = [];
for (let r = 0; r < Number(opt.rounds); r++) {
  const p = r === 0 ? prefix : `${prefix}-r${r}`;
  bare();
  const local = opt['skip-build-compare'] ? undefined : await isr(['build', site]);
  if (local) copyFileSync(path.join(site, 'dist/posts', slugOf(1), 'index.html'), SAMPLE_PAGE); // a built page, for the per-file side
  bare();
  const s3 = await isr(['build', site, ...storeFlags(p)]);
  const perFile = local ? sampleOnePerFile() : undefined;
  rows.push({ local, s3, perFile });
  console.log(
    `build round ${r + 1}: S3 store ${(s3.ms / 1000).toFixed(1)} s, ${s3.requests} requests (${kinds(s3.byKind)})` +
      (local
        ? `; local build ${(local.ms / 1000).toFixed(1)} s; one node process per file ${perFile.toFixed(0)} ms → ` +
          `${((local.ms + perFile * N) / 1000).toFixed(0)} s for the old way (local build + ${N} uploads): ×${((local.ms + perFile * N) / s3.ms).toFixed(1)}; ` +
          `upload alone (S3 build − local build) ${((s3.ms - local.ms) / 1000).toFixed(1)} s vs ${((perFile * N) / 1000).toFixed(0)} s: ×${((perFile * N) / Math.max(1, s3.ms - local.ms)).toFixed(1)}`
        : ''),
  );
  if (r > 0) await emptyPrefix(p);
}

// 2. Regen commands on the prefix built in round 1, at the build's clock (nothing due).
const slug = slugOf(1);
const edit = (variant) => writeFileSync(path.join(site, 'content/posts', `${slug}.md`), postText(1, 1, variant));
/** [name, on a bare runner?, args, what to do first (trial i)] */
const cases = [
  ['regen, nothing due, nothing changed (bare runner)', true, ['regen', site]],
  ['regen --no-detect, nothing due (bare runner)', true, ['regen', site, '--no-detect']],
  ['regen, nothing due, nothing changed (warm: after a regen)', false, ['regen', site]],
  ['regen --path, same bytes (bare runner)', true, ['regen', site, '--path', `/posts/${slug}/`]],
  ['regen --path, page edited (bare runner)', true, ['regen', site, '--no-detect', '--path', `/posts/${slug}/`], (i) => edit(i + 1)],
  ['regen --path, page edited (warm)', false, ['regen', site, '--no-detect', '--path', `/posts/${slug}/`], (i) => edit(i + 100)],
];
console.log(
  `\n| command (${N}-page site, ${TRIALS} trials) | requests (by method) | wall median | min | max | CPU median |\n| --- | --- | ---: | ---: | ---: | ---: |`,
);
const sequences = [];
for (const [name, isBare, args, first] of cases) {
  const got = [];
  for (let i = 0; i < TRIALS; i++) {
    if (isBare) bare();
    first?.(i);
    got.push(await isr([...args, ...storeFlags()]));
  }
  const ms = got.map((g) => g.ms);
  const reqs = [...new Set(got.map((g) => `${g.requests} (${kinds(g.byKind)})`))].join(' / ');
  sequences.push(`${name}: ${got[0].sequence.join('; ')}`);
  const cpu = got.every((g) => g.cpuMs !== undefined) ? `${median(got.map((g) => g.cpuMs)).toFixed(0)} ms` : '?';
  console.log(
    `| ${name} | ${reqs} | ${median(ms).toFixed(0)} ms | ${Math.min(...ms).toFixed(0)} ms | ${Math.max(...ms).toFixed(0)} ms | ${cpu} |`,
  );
}
console.log(`\nThe requests of each command's first trial, in order:\n${sequences.map((l) => `- ${l}`).join('\n')}`);
const nodeStart = [];
for (let i = 0; i < TRIALS; i++) {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  nodeStart.push(performance.now() - t0);
}
console.log(`\n(node -e 0 on this machine now: median ${median(nodeStart).toFixed(0)} ms)`);

await emptyPrefix(prefix);
proxy.close();
rmSync(work, { recursive: true, force: true });

/** A script that uploads one file with the S3 store (bundled from src/), as one process of the old loop. */
async function perFileUploader() {
  const bundle = path.join(work, 's3-store.mjs');
  await build({
    entryPoints: [path.join(repo, 'src/store/s3-store.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: bundle,
    logLevel: 'warning',
  });
  const script = path.join(work, 'one-put.mjs');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
import { openS3SiteStore } from ${JSON.stringify(pathToFileURL(bundle).href)};
const [prefix, key, file] = process.argv.slice(2);
const s = openS3SiteStore({ bucket: process.env.ISR_TEST_S3_BUCKET, endpoint: process.env.ISR_TEST_S3_ENDPOINT, prefix,
  credentials: { accessKeyId: process.env.ISR_TEST_S3_ACCESS_KEY_ID, secretAccessKey: process.env.ISR_TEST_S3_SECRET_ACCESS_KEY } });
await s.site.put(key, new Uint8Array(readFileSync(file)), { meta: { contentType: 'text/html; charset=utf-8' } });
`,
  );
  return script;
}

/** ms per file of one upload process per file, over a sample of the built pages (sequential). */
function sampleOnePerFile() {
  const p = `${prefix}-perfile`;
  const t0 = performance.now();
  for (let i = 0; i < Number(opt.sample); i++) {
    const r = spawnSync(process.execPath, [onePut, `${p}/`, `posts/${slugOf(i + 1)}/index.html`, SAMPLE_PAGE], { env });
    if (r.status !== 0) throw new Error(`per-file upload failed: ${r.stderr}`);
  }
  const ms = (performance.now() - t0) / Number(opt.sample);
  void emptyPrefix(p);
  return ms;
}

async function emptyPrefix(p) {
  const bundle = pathToFileURL(path.join(work, 's3-store.mjs')).href;
  const { openS3SiteStore } = await import(bundle);
  const s = openS3SiteStore({
    bucket,
    endpoint: env.ISR_TEST_S3_ENDPOINT,
    prefix: `${p}/`,
    credentials: { accessKeyId: env.ISR_TEST_S3_ACCESS_KEY_ID, secretAccessKey: env.ISR_TEST_S3_SECRET_ACCESS_KEY },
  });
  for (const store of [s.site, s.state]) {
    const keys = [];
    for await (const o of store.list('')) keys.push(o.key);
    await store.deleteMany(keys);
  }
}

function radosgwVersion() {
  const r = spawnSync('radosgw', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (/(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? '?') : '?';
}
