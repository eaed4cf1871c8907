#!/usr/bin/env node
// Deterministic benchmark workload: N Markdown posts in one flat folder, each built into
// /posts/<slug>/index.html through one layout, with the built-in `files` source as a user would
// write it. Same N and seed → byte-identical site.
//
//   node bench/generate.mjs <siteDir> <N> [--seed 1]
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore ' +
  'magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat ' +
  'duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat ' +
  'cupidatat non proident sunt culpa qui officia deserunt mollit anim id est laborum'
).split(' ');
export const TAGS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'tango',
];

/** mulberry32: small, fast, seedable; good enough for a workload. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const cap = (s) => s[0].toUpperCase() + s.slice(1);

function sentence(r) {
  const n = 6 + Math.floor(r() * 10);
  const w = Array.from({ length: n }, () => pick(r, WORDS));
  return `${cap(w.join(' '))}.`;
}

/** About 330 characters of lorem ipsum, with the odd *emphasis* and `code` so markdown-it has work. */
function paragraph(r) {
  let p = '';
  while (p.length < 290) p += (p ? ' ' : '') + sentence(r);
  const words = p.split(' ');
  const i = 2 + Math.floor(r() * (words.length - 4));
  words[i] = `*${words[i].replace(/\.$/, '')}*${words[i].endsWith('.') ? '.' : ''}`;
  return words.join(' ');
}

/** The slug of post `i` (1-based): stable for a given i, unique by construction. */
export function slugOf(i) {
  return `post-${String(i).padStart(6, '0')}`;
}

/** The text of post `i`. `variant` > 0 gives an edited version (for the regen-after-edit runs). */
export function postText(seed, i, variant = 0) {
  const r = rng(seed * 1_000_003 + i);
  const title = cap(Array.from({ length: 3 + Math.floor(r() * 5) }, () => pick(r, WORDS)).join(' '));
  const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(r() * 4000) * 86_400_000).toISOString().slice(0, 10);
  const tags = new Set();
  const nTags = 1 + Math.floor(r() * 3);
  while (tags.size < nTags) tags.add(pick(r, TAGS));
  const paras = [paragraph(r), paragraph(r), paragraph(r)];
  if (variant) paras[2] += ` Edited (revision ${variant}).`;
  return `---\ntitle: ${title}\ndate: ${day}\ntags: [${[...tags].join(', ')}]\n---\n${paras.join('\n\n')}\n`;
}

export const CONFIG = `import { defineConfig, files } from 'static-isr';

export default defineConfig({
  site: { url: 'https://bench.example.com', title: 'isr bench' },
  sources: { posts: files({ dir: 'content/posts' }) },
  routes: [
    {
      path: '/posts/:slug/',
      name: 'post',
      template: 'post.eta',
      paths: async ({ sources }) => (await sources.posts.list()).map((p) => ({ slug: p.slug })),
      load: async ({ params, sources }) => {
        const post = await sources.posts.get(params.slug);
        return post ? { props: { post } } : { notFound: true };
      },
    },
  ],
});
`;

export const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · <%= site.title %></title>
</head>
<body>
<main>
<%~ it.body %>
</main>
</body>
</html>
`;

export const POST = `<% layout('./layout', { title: it.post.data.title }) %>
<article>
<h1><%= it.post.data.title %></h1>
<p><time datetime="<%= it.post.data.date %>"><%= it.post.data.date %></time></p>
<ul class="tags"><% for (const t of it.post.data.tags) { %><li><%= t %></li><% } %></ul>
<%~ it.post.html %>
</article>
`;

/** Write the whole site into `dir` (emptied first). `isr` resolves to this repository. */
export async function generate(dir, n, { seed = 1 } = {}) {
  await rm(dir, { recursive: true, force: true });
  const posts = path.join(dir, 'content/posts');
  await mkdir(posts, { recursive: true });
  await mkdir(path.join(dir, 'templates'), { recursive: true });
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  // A user's site has isr in node_modules; a symlink to the repo is the same module resolution.
  await symlink(REPO, path.join(dir, 'node_modules/static-isr'), 'dir');
  await writeFile(path.join(dir, 'isr.config.mjs'), CONFIG);
  await writeFile(path.join(dir, 'templates/layout.eta'), LAYOUT);
  await writeFile(path.join(dir, 'templates/post.eta'), POST);
  const BATCH = 256;
  for (let i = 1; i <= n; i += BATCH) {
    const jobs = [];
    for (let j = i; j < Math.min(n + 1, i + BATCH); j++) jobs.push(writeFile(path.join(posts, `${slugOf(j)}.md`), postText(seed, j)));
    await Promise.all(jobs);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, nArg] = process.argv.slice(2);
  const seedIdx = process.argv.indexOf('--seed');
  const seed = seedIdx > 0 ? Number(process.argv[seedIdx + 1]) : 1;
  const n = Number(nArg);
  if (!dir || !Number.isInteger(n) || n < 1) {
    console.error('usage: node bench/generate.mjs <siteDir> <N> [--seed 1]');
    process.exit(2);
  }
  await generate(path.resolve(dir), n, { seed });
  console.log(`generated ${n} posts in ${dir}`);
}
