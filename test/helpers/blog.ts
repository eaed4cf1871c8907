/**
 * The pages of fixtures/blog, sorted, as its build gives them: the home page's two pages, the 404
 * page, four posts (the draft is not published), the feed and five tag pages.
 */
export const BLOG_PAGES = [
  '/',
  '/404.html',
  '/blog/cron-in-ci/',
  '/blog/hello-world/',
  '/blog/revalidate-explained/',
  '/blog/why-static/',
  '/feed.xml',
  '/page/2/',
  '/tags/ci/',
  '/tags/guide/',
  '/tags/hosting/',
  '/tags/isr/',
  '/tags/meta/',
];

/** The blog's HTML pages, whose layout links the stylesheet: all but the feed. */
export const BLOG_HTML_PAGES = BLOG_PAGES.filter((p) => p !== '/feed.xml');

/** The pages its sitemap lists: the HTML pages but the 404 page. */
export const BLOG_SITEMAP_PAGES = BLOG_PAGES.filter((p) => p.endsWith('/'));
