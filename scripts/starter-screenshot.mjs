// docs/starter.png, the README's picture of the starter: the example blog (fixtures/blog, the
// same site `isr init` writes) built into a temp folder, its home page and a post side by side
// at desktop width in headless Chromium. Run after `npm run build`: node scripts/starter-screenshot.mjs
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(REPO, 'docs', 'starter.png');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.css': 'text/css', '.xml': 'application/xml' };

const root = mkdtempSync(path.join(tmpdir(), 'isr-shot-'));
try {
  cpSync(path.join(REPO, 'fixtures', 'blog'), root, { recursive: true, filter: (s) => !/[/\\](dist|\.isr)$/.test(s) });
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(REPO, path.join(root, 'node_modules', 'static-isr'), 'dir');
  execFileSync(process.execPath, [path.join(REPO, 'bin', 'isr.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ISR_NOW: '2026-06-01T00:00:00Z' },
  });
  const dist = path.join(root, 'dist');

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 820 }, colorScheme: 'light' });
  // The site is answered from dist/ (no server): http://site.test/<path>, directories → index.html.
  await page.route('http://site.test/**', (route) => {
    const p = decodeURIComponent(new URL(route.request().url()).pathname);
    let file = path.join(dist, p);
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) });
  });
  await page.route('http://site.test/__shot.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><style>body{margin:0;display:flex;gap:0;background:#888}iframe{width:800px;height:820px;border:0;border-right:1px solid #ccc}</style>
<iframe src="/"></iframe><iframe src="/blog/revalidate-explained/"></iframe>`,
    }),
  );
  await page.goto('http://site.test/__shot.html', { waitUntil: 'load' });
  await page.screenshot({ path: OUT, scale: 'css' });
  await browser.close();
  console.log(`${path.relative(REPO, OUT)}: ${statSync(OUT).size} bytes`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
