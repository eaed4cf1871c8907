import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture } from './helpers.js';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it). */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const hasChromium = existsSync(CHROMIUM);
const skipReason = hasChromium ? '' : ` [skipped: ${CHROMIUM} is not installed; run apt-get install -y chromium]`;

describe('isr serve --watch in a real browser', () => {
  let s: ServedSite | undefined;
  let profile: string | undefined;
  afterEach(async () => {
    await s?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)(`reloads an open tab after a content change re-renders its page${skipReason}`, { timeout: 60_000 }, async () => {
    s = await serveFixture('serve-site', { watch: true });
    profile = await mkdtemp(path.join(tmpdir(), 'isr-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const stream = page.waitForResponse((r) => r.url().endsWith('/__isr/live'));
      await page.goto(new URL('/items/alpha/', s.server.url).href);
      expect(await page.textContent('#title')).toBe('Alpha');
      expect((await stream).headers()['content-type']).toBe('text/event-stream');
      // A marker that only survives if the page is NOT reloaded.
      await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 1));

      const reloaded = page.waitForEvent('load', { timeout: 20_000 });
      await s.site.write('content/items/alpha.json', JSON.stringify({ title: 'Alpha, live', tags: ['green'] }));
      await reloaded;
      expect(await page.textContent('#title')).toBe('Alpha, live');
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBeUndefined();
    } finally {
      await context.close();
    }
  });
});
