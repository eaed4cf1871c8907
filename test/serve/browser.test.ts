import { afterEach, describe, expect, it } from 'vitest';
import { type HeadlessChromium, hasChromium, launchChromium, skipReason } from '../helpers/chromium.js';
import { type ServedSite, serveFixture } from './helpers.js';

describe('isr serve --watch in a real browser', () => {
  let s: ServedSite | undefined;
  let browser: HeadlessChromium | undefined;
  afterEach(async () => {
    await browser?.close();
    await s?.close();
  });

  it.skipIf(!hasChromium)(`reloads an open tab after a content change re-renders its page${skipReason}`, { timeout: 60_000 }, async () => {
    s = await serveFixture('serve-site', { watch: true });
    browser = await launchChromium();
    const { context } = browser;
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
  });
});
