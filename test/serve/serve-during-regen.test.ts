/**
 * A large regeneration must not freeze `isr serve` (issue 16, item 6): a run's file work is
 * synchronous, and before time-slicing no request was answered until the whole run was done.
 *
 * The site's pages hold the thread while a gate file is closed (up to 20 ms each, synchronously,
 * like a heavy render) and record whether they saw it open. The test starts a regeneration of
 * all 300 pages through the webhook, waits until the run is rendering, GETs a cached page and
 * only then opens the gate. So the GET can be answered only if the server turns to it in the
 * middle of the run; had it waited for the run's end, no page could have seen the gate open and
 * the webhook's answer would have come first. Nothing here depends on timing: a slower machine
 * only makes the run longer.
 */
import { existsSync, watch } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { runCli, siteFrom } from '../helpers/site.js';
import { type ServeProc, startServe } from '../reliability/harness/serve-proc.js';

const PAGES = 300;
const SECRET = 'during-regen-secret';

const CONFIG = `import { existsSync, writeFileSync } from 'node:fs';
import { defineConfig } from 'static-isr';

const at = (name) => new URL('./' + name, import.meta.url);

export default defineConfig({
  site: { url: 'https://slice.example.com', title: 'slice' },
  revalidate: false,
  routes: [
    {
      path: '/p/:n/',
      name: 'page',
      template: 'page.eta',
      paths: async () => Array.from({ length: ${PAGES} }, (_, i) => ({ n: String(i) })),
      load: async ({ params }) => {
        let open = existsSync(at('gate'));
        if (!open && existsSync(at('armed'))) {
          if (!existsSync(at('started'))) writeFileSync(at('started'), '');
          const t = performance.now();
          while (!(open = existsSync(at('gate'))) && performance.now() - t < 20);
        }
        return { props: { n: params.n, open }, tags: ['all'] };
      },
    },
    { path: '/', name: 'home', template: 'home.eta', load: async () => ({ props: {} }) },
  ],
});
`;

let server: ServeProc | undefined;
let root: string | undefined;
afterEach(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  server = root = undefined;
});

async function makeSite(): Promise<string> {
  const site = await siteFrom('slice', {
    'isr.config.mjs': CONFIG,
    'templates/page.eta': '<p>page <%= it.n %> <%= it.open ? "gate-open" : "gate-closed" %></p>\n',
    'templates/home.eta': '<p>home</p>\n',
  });
  return site.root;
}

/** Resolves once `file` exists (fs.watch on its folder, checked once after the watch is set). */
function whenExists(file: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(path.dirname(file), () => {
      if (existsSync(file)) {
        w.close();
        resolve();
      }
    });
    if (existsSync(file)) {
      w.close();
      resolve();
    }
  });
}

test('answers a GET of a cached page while a large regeneration is still rendering', async () => {
  root = await makeSite();
  const built = await runCli(['build', root, '--quiet']);
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  server = await startServe(root, { now: Date.parse('2026-01-01T00:00:00Z'), env: { ISR_REVALIDATE_SECRET: SECRET } });
  const home = await fetch(new URL('/', server!.url));
  expect(await home.text()).toContain('home'); // now in the server's memory cache

  const order: string[] = [];
  const started = whenExists(path.join(root, 'started'));
  await writeFile(path.join(root, 'armed'), '');
  const webhook = fetch(new URL('/__isr/revalidate', server.url), {
    method: 'POST',
    headers: { 'x-isr-secret': SECRET, 'content-type': 'application/json' },
    body: JSON.stringify({ tag: 'all' }),
  }).then(async (r) => {
    order.push('webhook');
    return { status: r.status, body: (await r.json()) as { rendered: string[] } };
  });
  await started; // the run is rendering its pages

  const get = await fetch(new URL('/', server!.url));
  order.push('get');
  expect(get.status).toBe(200);
  expect(await get.text()).toContain('home');
  await writeFile(path.join(root, 'gate'), '');

  const answer = await webhook;
  expect(answer.status).toBe(200);
  expect(answer.body.rendered).toHaveLength(PAGES);
  expect(order).toEqual(['get', 'webhook']);
  // Pages rendered after the GET was answered saw the gate open: the run was still going.
  const pages = await Promise.all(Array.from({ length: PAGES }, (_, i) => readFile(path.join(root!, `dist/p/${i}/index.html`), 'utf8')));
  expect(pages.filter((html) => html.includes('gate-open')).length).toBeGreaterThan(0);
}, 120_000);
