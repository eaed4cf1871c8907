import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture, webhook } from './helpers.js';

const revalidate = (s: ServedSite, body: unknown) => webhook(s, body, { secret: 'bounds-secret' });

describe('isr serve: a webhook call names a bounded number of paths and tags', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('refuses more than 1000 paths or 100 tags by default with a 400 saying the limit, rendering nothing', async () => {
    s = await serveFixture('serve-bounds');
    const paths = Array.from({ length: 1001 }, (_, i) => `/any/p${i}/`);
    const r = await revalidate(s, { paths });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error).toBe(
      'names 1001 paths; at most 1000 per call (serve.maxRevalidatePaths): split it into several calls, or name a tag',
    );
    const t = await revalidate(s, { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    expect(t.status).toBe(400);
    expect(JSON.parse(t.text).error).toMatch(/^names 101 tags; at most 100 per call \(serve\.maxRevalidateTags\)/);
    await s.server.idle();
    expect(await s.renders()).toEqual([]);
  });

  it('takes its limits from serve.maxRevalidatePaths and serve.maxRevalidateTags', async () => {
    s = await serveFixture('serve-bounds', {
      configure: (c) => ({ ...c, serve: { ...c.serve, maxRevalidatePaths: 2, maxRevalidateTags: 1 } }),
    });
    expect((await revalidate(s, { paths: ['/any/a/', '/any/b/', '/any/c/'] })).status).toBe(400);
    expect((await revalidate(s, { tags: ['x', 'y'] })).status).toBe(400);
    const ok = await revalidate(s, { paths: ['/any/a/', '/any/b/'], tags: ['x'] });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).rendered.sort()).toEqual(['/any/a/', '/any/b/']);
  });
});
