#!/usr/bin/env node
// The cost of durable publishing (fsync, write/durable.ts): this checkout against another one
// (`--old`, a checkout of isr before it, built), ALTERNATED run by run on the same disk so a slow
// spell of a shared machine hits both. Not a test: it measures.
//
//   node bench/fsync-ab.mjs --old /tmp/isr-old [--new /tmp/isr-new] [--size 20000] [--runs 5]
// (`--new` defaults to this checkout; give a copy to go on rebuilding this one meanwhile.)
//
// Two identical sites under --dir (default /var/tmp/isr-fsync-ab: ext4 here; tmpfs would make
// fsync free), each with node_modules/static-isr (what the generated config imports; an older
// checkout works under that name too) pointing at its own checkout. Not inside this
// checkout: there the site config's import would resolve to the checkout itself
// (a package's self-reference), whichever side runs. Per round, for old then new (order swapped
// every round): a cold `isr build` (output and .isr/ deleted, `sync` first), a 1%-edit regen
// (`--paths-from`), and a one-page regen (`--path`). Wall time of the whole process.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, postText, slugOf } from './generate.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const OLD = opt('old');
const N = Number(opt('size', '20000'));
const RUNS = Number(opt('runs', '5'));
const DIR = path.resolve(opt('dir', '/var/tmp/isr-fsync-ab'));
if (!OLD || !existsSync(path.join(OLD, 'bin/isr.js'))) {
  console.error('give --old <a built checkout of isr to compare with>');
  process.exit(2);
}

const sides = { old: OLD, new: path.resolve(opt('new', REPO)) };
const sites = {};
for (const [name, checkout] of Object.entries(sides)) {
  const dir = path.join(DIR, `${name}-${N}`);
  await generate(dir, N, { seed: 1 });
  rmSync(path.join(dir, 'node_modules/static-isr'), { force: true });
  symlinkSync(checkout, path.join(dir, 'node_modules/static-isr'), 'dir');
  sites[name] = dir;
}
const edited = Array.from({ length: Math.floor(N / 100) }, (_, k) => 1 + k * 100);

function run(name, args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [path.join(sides[name], 'bin/isr.js'), ...args], { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${name} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return ms;
}

const scenarios = {
  build: (name, _i) => {
    const site = sites[name];
    rmSync(path.join(site, 'dist'), { recursive: true, force: true });
    rmSync(path.join(site, '.isr'), { recursive: true, force: true });
    spawnSync('sync');
    return run(name, ['build', site, '--quiet']);
  },
  'regen-edit-1pct': (name, i) => {
    const site = sites[name];
    for (const k of edited) writeFileSync(path.join(site, 'content/posts', `${slugOf(k)}.md`), postText(1, k, i + 1));
    const list = path.join(site, 'edited.txt');
    writeFileSync(list, edited.map((k) => `/posts/${slugOf(k)}/`).join('\n'));
    spawnSync('sync');
    return run(name, ['regen', site, '--quiet', '--paths-from', list]);
  },
  'regen-path': (name, i) => {
    const site = sites[name];
    const k = Math.ceil(N / 2);
    writeFileSync(path.join(site, 'content/posts', `${slugOf(k)}.md`), postText(1, k, i + 1));
    spawnSync('sync');
    return run(name, ['regen', site, '--quiet', '--path', `/posts/${slugOf(k)}/`]);
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const commit = (dir) => {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return readFileSync(path.join(dir, 'package.json'), 'utf8').match(/"version": "([^"]+)"/)?.[1] ?? dir;
  }
};
const fsType = spawnSync('df', ['--output=fstype', DIR], { encoding: 'utf8' }).stdout.trim().split('\n').pop();
console.log(
  `fsync A/B, ${N} pages in ${DIR} (${fsType}), ${RUNS} alternated rounds; old ${OLD} (${commit(OLD)}), new ${sides.new} (${commit(sides.new)}); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
const results = {};
for (const [scenario, once] of Object.entries(scenarios)) {
  if (scenario !== 'build')
    for (const name of Object.keys(sides))
      if (!existsSync(path.join(sites[name], '.isr/manifest.json'))) run(name, ['build', sites[name], '--quiet']);
  const times = { old: [], new: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const name of i % 2 ? ['new', 'old'] : ['old', 'new']) times[name].push(once(name, i));
  }
  const o = median(times.old);
  const n = median(times.new);
  // Per round: the two runs of a round met the same spell of a shared machine.
  const paired = median(times.new.map((t, i) => t / times.old[i]));
  results[scenario] = { old: times.old, new: times.new, pairedRatio: paired };
  console.log(
    `${scenario.padEnd(16)} old ${o.toFixed(0).padStart(6)} ms  new ${n.toFixed(0).padStart(6)} ms  new/old ${(n / o).toFixed(3)}, paired ${paired.toFixed(3)}   (old ${times.old.map((t) => t.toFixed(0)).join(' ')}; new ${times.new.map((t) => t.toFixed(0)).join(' ')})`,
  );
}
mkdirSync(path.join(HERE, '.work'), { recursive: true });
writeFileSync(path.join(HERE, '.work', `fsync-ab-${N}.json`), JSON.stringify(results, null, 1));
if (!argv.includes('--keep')) for (const dir of Object.values(sites)) rmSync(dir, { recursive: true, force: true });
