// A Markdown blog: index, post pages, tag pages, an RSS feed, a 404 page and a sitemap.
// `npx isr build` renders it into dist/; `npx isr regen` re-renders what is due.
import { defineConfig, files } from 'static-isr';

const byDateDesc = (a, b) => String(b.data.date).localeCompare(String(a.data.date));

export default defineConfig({
  site: { url: 'https://blog.example.com', title: 'The isr example blog', description: 'Fresh static pages without full rebuilds.' },
  revalidate: 3600,
  sources: {
    posts: files({ dir: 'content/posts' }),
  },
  routes: [
    {
      path: '/',
      name: 'home',
      template: 'index.eta',
      revalidate: 600,
      load: async ({ sources }) => {
        const posts = (await sources.posts.list()).filter((p) => !p.data.draft).sort(byDateDesc);
        return { props: { posts } };
      },
    },
    {
      path: '/blog/:slug/',
      name: 'post',
      template: 'post.eta',
      fallback: 'blocking',
      paths: async ({ sources }) => (await sources.posts.list()).filter((p) => !p.data.draft).map((p) => ({ slug: p.id })),
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
        const tags = new Set((await sources.posts.list()).filter((p) => !p.data.draft).flatMap((p) => p.data.tags ?? []));
        return [...tags].map((tag) => ({ tag }));
      },
      load: async ({ params, sources }) => {
        const posts = (await sources.posts.list()).filter((p) => !p.data.draft && (p.data.tags ?? []).includes(params.tag)).sort(byDateDesc);
        if (!posts.length) return { notFound: true };
        return { props: { tag: params.tag, posts } };
      },
    },
    {
      path: '/feed.xml',
      name: 'feed',
      template: 'feed.eta',
      load: async ({ sources }) => {
        const posts = (await sources.posts.list()).filter((p) => !p.data.draft).sort(byDateDesc).slice(0, 20);
        return { props: { posts } };
      },
    },
    { path: '/404.html', name: '404', template: '404.eta', revalidate: false },
  ],
});
