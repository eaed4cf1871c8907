import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtOnce } from '../helpers/built-once.js';
import { json, listFiles, sorted } from '../helpers/files.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const at = (s: number) => T0 + s * 1000;

/** The sidebar links of a page, "title url", with the current page marked. */
const sidebar = (html: string) =>
  [
    ...(html.match(/<nav class="sidebar">([\s\S]*?)<\/nav>/)?.[1] ?? '').matchAll(/<a href="([^"]+)"( aria-current="page")?>([^<]+)<\/a>/g),
  ].map((m) => `${m[3]} ${m[1]}${m[2] ? ' *' : ''}`);
const pager = (html: string) => [...html.matchAll(/<a rel="(prev|next)" href="([^"]+)">/g)].map((m) => `${m[1]} ${m[2]}`);

describe('the docs fixture: nested content under one catch-all route', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());
  const built = builtOnce('docs', { now: T0, flags: [] });

  it('builds every nested page, the sidebar from the tree, prev/next, an alias redirect, and no draft', async () => {
    const { site, result: r } = built;
    expect(r.code).toBe(0);
    expect(sorted((await listFiles(path.join(site.root, 'dist'))).filter((f) => f.endsWith('.html')))).toEqual([
      '404.html',
      'api/index.html',
      'guides/configure/index.html',
      'guides/index.html',
      'guides/install/index.html',
      'guides/install/linux/index.html',
      'guides/install/macos/index.html',
      'index.html',
      'install-linux/index.html',
      'reference/cli/index.html',
      'reference/index.html',
    ]);
    const install = await site.read('dist/guides/install/index.html');
    expect(sidebar(install)).toEqual([
      'Guides /guides/',
      'Install /guides/install/ *',
      'Linux /guides/install/linux/',
      'macOS /guides/install/macos/',
      'Configure /guides/configure/',
      'Reference /reference/',
      'API /api/',
      'CLI /reference/cli/',
    ]);
    expect(pager(install)).toEqual(['prev /guides/', 'next /guides/install/linux/']);
    expect(install).toContain('<h1>Install</h1>'); // +++ TOML front matter
    expect(await site.read('dist/_redirects')).toContain('/install-linux/ /guides/install/linux/ 308');
    // lastmod 2026-01-10 09:30 is Berlin time (site.timezone), shown with its offset.
    expect(await site.read('dist/guides/install/macos/index.html')).toContain(
      '<time datetime="2026-01-10T09:30:00+01:00">January 10, 2026</time>',
    );
    expect(existsSync(path.join(site.root, 'dist/guides/roadmap/index.html'))).toBe(false);
  });

  it('regenerates the right pages after an edit, an addition and a deletion', async () => {
    const site = await built.copy();

    // A body edit: every page lists the folder (sidebar), but only the edited page's bytes change.
    const linux = await site.read('content/guides/install/linux.md');
    await site.write('content/guides/install/linux.md', linux.replace('package manager', 'distribution'));
    let r = await site.run(['regen', '--json'], { now: at(60) });
    expect(r.code).toBe(0);
    expect(json(r).written).toEqual(['guides/install/linux/index.html', 'sitemap.xml']); // its lastmod

    // A new page: written, and every sidebar (and its neighbours' prev/next) shows it.
    await site.write('content/guides/install/windows.md', '---\ntitle: Windows\nweight: 3\n---\nUse the installer.\n');
    r = await site.run(['regen', '--json'], { now: at(120) });
    expect(json(r).written).toContain('guides/install/windows/index.html');
    expect(pager(await site.read('dist/guides/install/macos/index.html'))).toEqual([
      'prev /guides/install/linux/',
      'next /guides/install/windows/',
    ]);
    expect(sidebar(await site.read('dist/reference/cli/index.html'))).toContain('Windows /guides/install/windows/');

    // A deletion: its page is removed and no sidebar links it any more.
    await rm(path.join(site.root, 'content/guides/configure.md'));
    r = await site.run(['regen', '--json'], { now: at(180) });
    expect(json(r).removed).toEqual(['guides/configure/index.html']);
    expect(await readFile(path.join(site.root, 'dist/index.html'), 'utf8')).not.toContain('/guides/configure/');
  });

  it('stops at a permalink that leaves the site: one line with file:line, exit 5, nothing published', async () => {
    const site = await built.copy();
    const before = await site.read('dist/reference/cli/index.html');
    await site.write('content/reference/cli.md', '---\ntitle: CLI\npermalink: /../../etc/\n---\nThe commands, changed.\n');
    const r = await site.run(['regen'], { now: at(60) });
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toEqual([
      'isr: content/reference/cli.md:3: permalink "/../../etc/" gives "/../../etc/", which has a "." or ".." segment, which would leave its folder (give permalink a path inside the site, e.g. "/guides/install/") [FRONT_MATTER]',
    ]);
    expect(await site.read('dist/reference/cli/index.html')).toBe(before);
  });

  it('stops at a permalink that takes another page URL, naming both files', async () => {
    site = await tempSite('docs');
    await site.write('content/reference/cli.md', '---\ntitle: CLI\npermalink: /api/\n---\nThe commands.\n');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toEqual([
      'isr: content/reference/cli.md: content/reference/cli.md takes the URL /api/, which content/reference/api/index.md has (give each page its own permalink and aliases) [CONTENT_CLASH]',
    ]);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
  });
});
