#!/usr/bin/env node
// A Hugo-docs-shaped site (issue 21 item 5): ~1,000 nested Markdown pages in sections of
// sections (`_index.md` per section, as Hugo has them), one catch-all route, and every page's
// load() calling `sources.docs.list()` for its sidebar and its section's children, as the README's
// starter does for tag pages. That call made each page cost O(site) before list() results were
// shared within a run. Deterministic: same arguments, same bytes.
//
//   node bench/docs-site.mjs <siteDir> [sections=10] [subsections=9] [pagesPerSub=10]
//   node bin/isr.js build <siteDir>
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [dir, s = '10', ss = '9', pp = '10'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/docs-site.mjs <siteDir> [sections] [subsections] [pagesPerSub]');
  process.exit(2);
}
const root = path.resolve(dir);
await rm(root, { recursive: true, force: true });
const para = (n) => `Paragraph ${n} of this page, with **bold** text, a [link](https://example.com/) and \`code\`.\n\n`;
const page = (title, weight, body) => `---\ntitle: ${title}\nweight: ${weight}\n---\n# ${title}\n\n${body}`;
const write = async (rel, text) => {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
};
let count = 0;
for (let a = 1; a <= Number(s); a++) {
  await write(`content/s${a}/_index.md`, page(`Section ${a}`, a, para(0)));
  count++;
  for (let b = 1; b <= Number(ss); b++) {
    await write(`content/s${a}/t${b}/_index.md`, page(`Section ${a}.${b}`, b, para(0)));
    count++;
    for (let c = 1; c <= Number(pp); c++) {
      await write(`content/s${a}/t${b}/p${c}.md`, page(`Page ${a}.${b}.${c}`, c, [1, 2, 3, 4, 5].map(para).join('')));
      count++;
    }
  }
}
await write(
  'isr.config.mjs',
  `import { defineConfig, files } from 'static-isr';

// A page's section children, mapped to { url, title }: derived objects, so the page declares the
// entries it shows with track(entry) (their props no longer contain the entries). Ids as files()
// gives them: \`_index.md\` is its folder's entry (\`s1/t2\`), and \`url\` comes from the permalink.
async function load({ params, sources, track }) {
  const id = params.path;
  const depth = id.split('/').length;
  const all = await sources.docs.list();
  const entry = await sources.docs.get(id);
  if (!entry) return { notFound: true };
  const children = all
    .filter((e) => e.id.startsWith(id + '/') && e.id.split('/').length === depth + 1)
    .sort((x, y) => x.data.weight - y.data.weight);
  for (const c of children) track(c);
  const sidebar = all.filter((e) => !e.id.includes('/')).map((e) => ({ url: e.url, title: e.data.title }));
  return {
    props: {
      title: entry.data.title,
      html: entry.html,
      children: children.map((c) => ({ url: c.url, title: c.data.title })),
      sidebar,
    },
  };
}

export default defineConfig({
  site: { url: 'https://docs.example.com', title: 'Docs' },
  sources: { docs: files({ dir: 'content', permalink: '/docs/:path/' }) },
  routes: [
    { path: '/docs/:path*/', template: 'page.eta', paths: async ({ sources }) => (await sources.docs.list()).map((e) => ({ path: e.id })), load },
  ],
});
`,
);
await write(
  'templates/page.eta',
  `<!doctype html><title><%= it.title %></title>
<nav><% for (const s of it.sidebar) { %><a href="<%= s.url %>"><%= s.title %></a> <% } %></nav>
<main><%~ it.html %></main>
<ul><% for (const c of it.children) { %><li><a href="<%= c.url %>"><%= c.title %></a></li><% } %></ul>
`,
);
await mkdir(path.join(root, 'node_modules'), { recursive: true });
await symlink(REPO, path.join(root, 'node_modules', 'static-isr'), 'dir');
console.log(`${root}: ${count} pages`);
