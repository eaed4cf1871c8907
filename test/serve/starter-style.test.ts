import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeadlessChromium, hasChromium, launchChromium, skipReason } from '../helpers/chromium.js';
import { type ServedSite, serveFixture } from './helpers.js';

/** The little of the DOM these checks read (the project's types have no DOM lib). */
interface BrowserGlobals {
  document: { querySelector(sel: string): unknown; documentElement: { scrollWidth: number }; styleSheets: { length: number } };
  getComputedStyle(el: unknown): { maxWidth: string; fontFamily: string; listStyleType: string; display: string; backgroundColor: string };
  innerWidth: number;
}

// The example blog (= the starter `isr init` writes) as a browser shows it, served by isr serve.
describe.skipIf(!hasChromium)(`the starter site in a real browser${skipReason}`, () => {
  let s: ServedSite;
  let browser: HeadlessChromium;
  beforeAll(async () => {
    s = await serveFixture('blog');
    browser = await launchChromium({ viewport: { width: 375, height: 800 } });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const open = async (p: string) => {
    const page = await browser.context.newPage();
    const res = await page.goto(new URL(p, s.server.url).href);
    expect(res?.status(), p).toBe(200);
    return page;
  };

  it('applies the stylesheet (computed styles differ from the browser defaults)', { timeout: 60_000 }, async () => {
    const page = await open('/');
    const style = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as BrowserGlobals;
      const css = (sel: string) => getComputedStyle(document.querySelector(sel));
      return {
        bodyMaxWidth: css('body').maxWidth,
        bodyFont: css('body').fontFamily,
        listStyle: css('ul.posts').listStyleType,
        headerDisplay: css('.site-header').display,
        sheets: document.styleSheets.length,
      };
    });
    expect(style.sheets).toBe(1);
    // Browser defaults: max-width none, a serif font, bullets, a block header.
    expect(style.bodyMaxWidth).not.toBe('none');
    expect(style.bodyFont).toContain('system-ui');
    expect(style.listStyle).toBe('none');
    expect(style.headerDisplay).toBe('flex');
    await page.close();
  });

  it('follows the system colour scheme (dark mode by prefers-color-scheme)', { timeout: 60_000 }, async () => {
    const page = await open('/');
    const background = () =>
      page.evaluate(() => {
        const { document, getComputedStyle } = globalThis as unknown as BrowserGlobals;
        return getComputedStyle(document.querySelector('body')).backgroundColor;
      });
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    expect(light).toBe('rgb(253, 253, 252)');
    expect(dark).toBe('rgb(22, 24, 28)');
    await page.close();
  });

  it('has no horizontal scroll at 375 px wide, on the index, page 2, posts and a tag page', { timeout: 60_000 }, async () => {
    for (const p of ['/', '/page/2/', '/blog/revalidate-explained/', '/blog/hello-world/', '/blog/cron-in-ci/', '/tags/isr/']) {
      const page = await open(p);
      const widths = await page.evaluate(() => {
        const { document, innerWidth } = globalThis as unknown as BrowserGlobals;
        return { scroll: document.documentElement.scrollWidth, view: innerWidth };
      });
      expect(widths.view, p).toBe(375);
      expect(widths.scroll, p).toBeLessThanOrEqual(widths.view);
      await page.close();
    }
  });

  it('links the index pages to each other with rel=prev/next', { timeout: 60_000 }, async () => {
    const page = await open('/');
    expect(await page.textContent('.pagination span')).toBe('Page 1 of 2');
    await page.click('.pagination a[rel="next"]');
    expect(new URL(page.url()).pathname).toBe('/page/2/');
    expect(await page.locator('ul.posts h2').allTextContents()).toEqual(['Hello, world']);
    await page.click('.pagination a[rel="prev"]');
    expect(new URL(page.url()).pathname).toBe('/');
    await page.close();
  });
});
