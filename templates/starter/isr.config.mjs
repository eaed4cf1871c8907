// A Markdown blog: a paginated index, post pages, tag pages, an RSS feed, a 404 page and a sitemap.
// `npx isr build` renders it into dist/; `npx isr regen` re-renders what is due.
import { defineConfig, files, pageParams, paginate } from 'static-isr';

const PER_PAGE = 3;
const byDateDesc = (a, b) => String(b.data.date).localeCompare(String(a.data.date));
const published = async (sources) => (await sources.posts.list()).filter((p) => !p.data.draft).sort(byDateDesc);

// One page of the post list: page 1 at /, pages 2..n at /page/:n/. Only the posts it shows are
// in its props, so it depends on those (and on the listing: a new post shifts every page).
const listing = async ({ params, sources }) => {
  const pager = paginate(await published(sources), { perPage: PER_PAGE, page: params.n ?? 1 });
  return pager ? { props: { pager } } : { notFound: true };
};

// A post's description (meta tag, feed): its front matter `description`, else the start of its text.
function describe(post) {
  if (post.data.description) return String(post.data.description);
  const text = String(post.html ?? '')
    .replace(/<\/?(p|h[1-6]|li|ul|ol|pre|blockquote|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e])
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= 160 ? text : `${text.slice(0, 160).replace(/\s+\S*$/, '')}…`;
}

export default defineConfig({
  site: {
    url: 'https://blog.example.com',
    title: 'The isr example blog',
    description: 'Fresh static pages without full rebuilds.',
    lang: 'en',
  },
  helpers: { describe },
  revalidate: 3600,
  sources: {
    posts: files({ dir: 'content/posts' }),
  },
  routes: [
    { path: '/', name: 'home', template: 'index.eta', revalidate: 600, load: listing },
    {
      path: '/blog/:slug/',
      name: 'post',
      template: 'post.eta',
      fallback: 'blocking',
      paths: async ({ sources }) => (await published(sources)).map((p) => ({ slug: p.id })),
      load: async ({ params, sources }) => {
        const post = await sources.posts.get(params.slug);
        if (!post || post.data.draft) return { notFound: true };
        return { props: { post }, tags: (post.data.tags ?? []).map((t) => `tag:${t}`) };
      },
    },
    {
      path: '/tags/:tag/',
      name: 'tag',
      template: 'tag.eta',
      paths: async ({ sources }) => {
        const tags = new Set((await published(sources)).flatMap((p) => p.data.tags ?? []));
        return [...tags].map((tag) => ({ tag }));
      },
      load: async ({ params, sources }) => {
        const posts = (await published(sources)).filter((p) => (p.data.tags ?? []).includes(params.tag));
        if (!posts.length) return { notFound: true };
        return { props: { tag: params.tag, posts } };
      },
    },
    {
      path: '/feed.xml',
      name: 'feed',
      template: 'feed.eta',
      load: async ({ sources }) => {
        // get() reads each post's text (list() leaves it out) for the items' descriptions.
        const listed = (await published(sources)).slice(0, 20);
        const posts = await Promise.all(listed.map((p) => sources.posts.get(p.id)));
        return { props: { posts } };
      },
    },
    { path: '/404.html', name: '404', template: '404.eta', revalidate: false },
    {
      // Pages 2..n of the home page's list (page 1 is /).
      path: '/page/:n/',
      name: 'home-page',
      template: 'index.eta',
      revalidate: 600,
      paths: async ({ sources }) => pageParams(await published(sources), { perPage: PER_PAGE }),
      load: listing,
    },
  ],
});
