#!/usr/bin/env node
// _headers and _redirects rule counts of a 20,000-page site where a third of the pages have their
// own revalidate (issue 20 item 5), for one isr build (its bin/isr.js given as argument).
//
//   node bench/host-rules.mjs [path/to/bin/isr.js] [--pages 20000] [--old]
// (--old: an isr from before `hostFiles`, which refuses the key.)
// Two shapes: "scattered" (every third page of one route returns its own revalidate) and
// "section" (the third is a route of its own whose pages all return the same revalidate).
// Every seventh page redirects in both.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.argv[2] && !process.argv[2].startsWith('--') ? path.resolve(process.argv[2]) : path.join(REPO, 'bin/isr.js');
const pagesArg = process.argv.indexOf('--pages');
const old = process.argv.includes('--old');
const N = pagesArg > 0 ? Number(process.argv[pagesArg + 1]) : 20_000;

function site(shape) {
  const root = mkdtempSync(path.join(tmpdir(), `isr-host-rules-${shape}-`));
  mkdirSync(path.join(root, 'templates'));
  writeFileSync(path.join(root, 'templates/post.eta'), '<h1><%= it.n %></h1>\n');
  const third = Math.floor(N / 3);
  const routes =
    shape === 'scattered'
      ? `[{ path: '/posts/:slug/', template: 'post.eta',
          paths: () => Array.from({ length: ${N} }, (_, i) => ({ slug: 'p' + i })),
          load: ({ params }) => { const i = Number(params.slug.slice(1));
            if (i % 7 === 0) return { redirect: { destination: '/posts/p' + (i + 1) + '/', permanent: true } };
            return { props: { n: i }, ...(i % 3 === 0 ? { revalidate: 60 } : {}) }; } }]`
      : `[{ path: '/posts/:slug/', template: 'post.eta',
          paths: () => Array.from({ length: ${N - third} }, (_, i) => ({ slug: 'p' + i })),
          load: ({ params }) => { const i = Number(params.slug.slice(1));
            if (i % 7 === 0) return { redirect: { destination: '/posts/p' + (i + 1) + '/', permanent: true } };
            return { props: { n: i } }; } },
         { path: '/news/:slug/', template: 'post.eta',
          paths: () => Array.from({ length: ${third} }, (_, i) => ({ slug: 'n' + i })),
          load: ({ params }) => ({ props: { n: params.slug }, revalidate: 60 }) }]`;
  writeFileSync(
    path.join(root, 'isr.config.mjs'),
    `export default { site: { url: 'https://example.com' }, revalidate: 3600, ${old ? '' : "hostFiles: 'cloudflare-pages', "}routes: ${routes} };\n`,
  );
  return root;
}

for (const shape of ['scattered', 'section']) {
  const root = site(shape);
  // Not --quiet: the warnings of the host's limits are part of what is measured.
  const r = spawnSync(process.execPath, [bin, 'build'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(r.stderr);
  const stderr = r.stderr
    .split('\n')
    .filter((l) => /warn|_headers|_redirects/.test(l))
    .join('\n  ');
  const read = (f) => readFileSync(path.join(root, 'dist', f), 'utf8');
  const headerRules = read('_headers')
    .split('\n')
    .filter((l) => l.startsWith('/')).length;
  const redirects = read('_redirects')
    .split('\n')
    .filter((l) => l.trim()).length;
  console.log(`${shape}: ${N} pages, _headers ${headerRules} rules, _redirects ${redirects} rules${stderr ? `\n  ${stderr.trim()}` : ''}`);
  rmSync(root, { recursive: true, force: true });
}
