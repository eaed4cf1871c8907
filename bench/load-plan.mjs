#!/usr/bin/env node
// Load every page of a built site's manifest and plan all of them (as `isr regen --all` would,
// without listing routes or rendering), in-process, timing each step. Run `npm run build` first.
//
//   node bench/load-plan.mjs <site folder>
import { loadConfig } from '../dist/side/config/load-config.js';
import { loadShards, openManifest } from '../dist/side/manifest/manifest.js';
import { planRegen } from '../dist/side/plan/plan-regen.js';

const config = await loadConfig(process.argv[2] ?? '.');
const t0 = performance.now();
const m = openManifest(config.manifestFile, config.root);
if (!m) throw new Error('no manifest: build the site first');
loadShards(m, config.manifestFile, config.root, 'all');
const t1 = performance.now();
const templateHashes = new Map(Object.entries(m.templates).map(([k, v]) => [k, v.hash]));
const plan = planRegen({
  manifest: m,
  routes: config.routes,
  listings: new Map(),
  templateHashes,
  configHash: config.configHash,
  options: { mode: 'regen', all: true },
  now: Date.now(),
});
const t2 = performance.now();
console.log(
  `${Object.keys(m.pages).length} pages: load every shard ${(t1 - t0).toFixed(0)} ms, plan --all ${(t2 - t1).toFixed(0)} ms (${plan.render.length} planned)`,
);
