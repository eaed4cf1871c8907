import { describe, expect, it } from 'vitest';
import { inProcessSites, regenOf } from '../helpers/in-process.js';

// Runs of one process (`isr serve` runs one per webhook) share compiled templates, keyed by the
// template's text: these runs happen in this test's process, one after the other.
const T0 = Date.parse('2026-06-01T00:00:00Z');

const blog = inProcessSites('blog');

describe('compiled templates kept across the runs of one process', () => {
  it('a later run renders a template edited since an earlier run compiled it, and its layout too', async () => {
    const { site, run } = await blog();
    const regen = (now: number) => run(regenOf(['/blog/hello-world/'], now));
    expect((await run({ mode: 'build', now: T0 })).failed).toEqual([]);
    const page = 'dist/blog/hello-world/index.html';
    expect(await site.read(page)).not.toContain('Edited');

    const post = await site.read('templates/post.eta');
    await site.write('templates/post.eta', post.replace('<article>', '<article data-v="Edited post">'));
    await regen(T0 + 1000);
    expect(await site.read(page)).toContain('data-v="Edited post"');

    const base = await site.read('templates/layouts/base.eta');
    await site.write('templates/layouts/base.eta', base.replace('<body', '<body data-l="Edited layout"'));
    await regen(T0 + 2000);
    const html = await site.read(page);
    expect(html).toContain('data-l="Edited layout"');
    expect(html).toContain('data-v="Edited post"');

    // Back to the first text: the function compiled for it is taken again, and renders it.
    await site.write('templates/post.eta', post);
    await regen(T0 + 3000);
    expect(await site.read(page)).not.toContain('Edited post');
  });
});
