// The S3 store against a loopback S3 server (.ci/s3-server's Ceph RGW): requests and time of one
// run's store round trip, and the upload of many small objects with bounded concurrency against
// one process per file (what the old CI example did with `aws s3 cp` in a shell loop).
//
//   eval "$(.ci/s3-server start /tmp/isr-s3)"
//   node bench/s3-store.mjs [--objects 20000] [--concurrency 32] [--sample 100] [--rounds 2]
//
// The per-process side is timed on a sample of files (one process each, one after the other, as
// the old loop ran) and its per-file time multiplied out; rounds alternate the two sides. The
// store is bundled from src/ with esbuild at start (it is not an entry point of dist/).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values: opt } = parseArgs({
  options: {
    objects: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '32' },
    sample: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
    trips: { type: 'string', default: '30' },
  },
});
const N = Number(opt.objects);
const CONCURRENCY = Number(opt.concurrency);
const SAMPLE = Number(opt.sample);
const env = process.env;
if (!env.ISR_TEST_S3_ENDPOINT) throw new Error('no S3 server: eval "$(.ci/s3-server start /tmp/isr-s3)" first');
const S3 = {
  endpoint: env.ISR_TEST_S3_ENDPOINT,
  region: env.ISR_TEST_S3_REGION ?? 'us-east-1',
  bucket: env.ISR_TEST_S3_BUCKET,
  credentials: { accessKeyId: env.ISR_TEST_S3_ACCESS_KEY_ID, secretAccessKey: env.ISR_TEST_S3_SECRET_ACCESS_KEY },
};

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'isr-s3-bench-'));
const bundle = path.join(work, 's3-store.mjs');
await build({
  entryPoints: [path.join(repo, 'src/store/s3-store.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: bundle,
  logLevel: 'warning',
});
const { openS3SiteStore } = await import(pathToFileURL(bundle).href);

const counts = {};
const countingFetch = (input, init) => {
  const m = init?.method ?? 'GET';
  const name =
    m === 'PUT' && new Headers(init?.headers).has('if-match')
      ? 'PUT If-Match'
      : m === 'PUT' && new Headers(init?.headers).has('if-none-match')
        ? 'PUT If-None-Match'
        : m;
  counts[name] = (counts[name] ?? 0) + 1;
  return fetch(input, init);
};
const open = (prefix, fetchFn) => openS3SiteStore({ ...S3, prefix, fetch: fetchFn });
const page = (i) =>
  new TextEncoder().encode(`<!doctype html><title>Page ${i}</title><h1>Page ${i}</h1>${'<p>Lorem ipsum dolor sit amet.</p>'.repeat(40)}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const prefixOf = (label) => `bench/${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}/`;

console.log(`# S3 store bench: ${S3.endpoint} (Ceph RGW ${cmdVersion('radosgw')}), node ${process.version}, ${cpus().length} CPUs`);

// 1. One run's store round trip, as a fresh process would make it (a new store: the probe included).
{
  const prefix = prefixOf('trip');
  await open(prefix).state.put('manifest/head.json', new TextEncoder().encode('{"generation":0}'));
  const times = [];
  let perTrip;
  for (let i = 0; i < Number(opt.trips); i++) {
    for (const k of Object.keys(counts)) delete counts[k];
    const s = open(prefix, countingFetch);
    const t0 = performance.now();
    const lease = await s.leases.acquire('lock', { owner: `trip ${i}`, ttlMs: 60_000 });
    const head = await s.state.get('manifest/head.json');
    await s.site.put('blog/post/index.html', page(i), {
      meta: { contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=60' },
    });
    lease.assertHeld();
    await s.state.put('manifest/head.json', new TextEncoder().encode(`{"generation":${i + 1}}`), { if: { ifVersion: head.version } });
    await lease.release();
    times.push(performance.now() - t0);
    perTrip = { ...counts };
  }
  const total = Object.values(perTrip).reduce((a, b) => a + b, 0);
  console.log(`\n## lease + head read + page put + head put + release, ${opt.trips} trips`);
  console.log(
    `requests per trip: ${total} (${Object.entries(perTrip)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')})`,
  );
  console.log(
    `time per trip: median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
  );
  await cleanup(prefix);
}

// 2. Upload: bounded concurrency in one process vs one process per file.
const files = path.join(work, 'files');
mkdirSync(files);
for (let i = 0; i < SAMPLE; i++) writeFileSync(path.join(files, `p${i}.html`), page(i));
const onePut = path.join(work, 'one-put.mjs');
writeFileSync(
  onePut,
  `import { readFileSync } from 'node:fs';
import { openS3SiteStore } from ${JSON.stringify(pathToFileURL(bundle).href)};
const [prefix, key, file] = process.argv.slice(2);
const s = openS3SiteStore({ bucket: process.env.ISR_TEST_S3_BUCKET, endpoint: process.env.ISR_TEST_S3_ENDPOINT, prefix,
  credentials: { accessKeyId: process.env.ISR_TEST_S3_ACCESS_KEY_ID, secretAccessKey: process.env.ISR_TEST_S3_SECRET_ACCESS_KEY } });
await s.site.put(key, new Uint8Array(readFileSync(file)), { meta: { contentType: 'text/html; charset=utf-8' } });
`,
);
const hasAws = spawnSync('aws', ['--version']).status === 0;
const awsEnv = {
  ...env,
  AWS_ACCESS_KEY_ID: S3.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: S3.credentials.secretAccessKey,
  AWS_DEFAULT_REGION: S3.region,
};

async function uploadConcurrent() {
  const prefix = prefixOf('bulk');
  const s = open(prefix);
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < N) {
      const i = next++;
      await s.site.put(`p/${i}/index.html`, page(i), {
        meta: { contentType: 'text/html; charset=utf-8', cacheControl: 'public, max-age=60' },
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const ms = performance.now() - t0;
  await cleanup(prefix);
  return ms;
}

function perProcess(kind) {
  const prefix = prefixOf(kind);
  const t0 = performance.now();
  for (let i = 0; i < SAMPLE; i++) {
    const file = path.join(files, `p${i}.html`);
    const r =
      kind === 'aws'
        ? spawnSync(
            'aws',
            [
              '--endpoint-url',
              S3.endpoint,
              's3',
              'cp',
              '--only-show-errors',
              '--content-type',
              'text/html; charset=utf-8',
              file,
              `s3://${S3.bucket}/${prefix}p/${i}/index.html`,
            ],
            { env: awsEnv },
          )
        : spawnSync(process.execPath, [onePut, prefix, `p/${i}/index.html`, file], { env });
    if (r.status !== 0) throw new Error(`${kind} upload failed: ${r.stderr}`);
  }
  return { perFile: (performance.now() - t0) / SAMPLE, prefix };
}

console.log(
  `\n## upload of ${N} small objects (~1.5 KB): ${CONCURRENCY} in flight in one process vs one process per file (sample of ${SAMPLE}, sequential)`,
);
const rows = [];
for (let r = 0; r < Number(opt.rounds); r++) {
  const ms = await uploadConcurrent();
  const node = perProcess('node');
  const aws = hasAws ? perProcess('aws') : undefined;
  for (const p of [node, aws]) if (p) await cleanup(p.prefix);
  rows.push({ ms, node: node.perFile, aws: aws?.perFile });
  console.log(
    `round ${r + 1}: concurrent ${(ms / 1000).toFixed(1)} s (${((N / ms) * 1000).toFixed(0)} objects/s); ` +
      `node per file ${node.perFile.toFixed(0)} ms → ${((node.perFile * N) / 1000).toFixed(0)} s for ${N} (×${((node.perFile * N) / ms).toFixed(1)})` +
      (aws
        ? `; aws s3 cp per file ${aws.perFile.toFixed(0)} ms → ${((aws.perFile * N) / 1000).toFixed(0)} s (×${((aws.perFile * N) / ms).toFixed(1)})`
        : '; no aws CLI'),
  );
}
rmSync(work, { recursive: true, force: true });

async function cleanup(prefix) {
  const s = open(prefix);
  for (const store of [s.site, s.state]) {
    const keys = [];
    for await (const o of store.list('')) keys.push(o.key);
    await store.deleteMany(keys);
  }
}

function cmdVersion(cmd) {
  try {
    return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).match(/\d+\.\d+\.\d+/)?.[0] ?? '?';
  } catch {
    return '?';
  }
}
