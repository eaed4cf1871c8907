import { describe, expect, it } from 'vitest';
import { entryIdentity } from '../../src/sources/entry-id.js';
import { createMarkdown } from '../../src/sources/markdown.js';
import { type LinkContext, markdownEnv } from '../../src/sources/markdown-links.js';

// Issue 21 item 3: what the files source renders Markdown with.
const FILES = new Set(['guide/_index.md', 'guide/install.md', 'guide/usage.md', 'guide/img/a.png', 'index.md', 'bundle/index.md']);
function context(o: Partial<LinkContext> = {}): LinkContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    dirRel: 'content',
    base: '/',
    isContent: (rel) => rel.endsWith('.md'),
    resources: false,
    exists: (rel) => FILES.has(rel),
    // As files.ts gives them: the permalink `/docs/:path/`, and usage.md's own front matter permalink.
    urlOf: (rel) => (rel === 'guide/usage.md' ? '/use/' : `/docs/${entryIdentity(rel, {}).id}/`.replace('//', '/')),
    resourceUrlOf: (rel) => `/docs/${rel}`,
    warn: (m) => warnings.push(m),
    warnings,
    ...o,
  };
}
const md = createMarkdown({});
const hrefs = (html: string) => [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);

describe('Markdown that knows its file', () => {
  it('gives headings GitHub-style ids, numbering repeats', () => {
    expect(md('## Install on Linux!\n\n## Install on Linux!\n\n# `isr` and C++')).toBe(
      '<h2 id="install-on-linux">Install on Linux!</h2>\n<h2 id="install-on-linux-1">Install on Linux!</h2>\n<h1 id="isr-and-c"><code>isr</code> and C++</h1>\n',
    );
    expect(createMarkdown({ anchors: false })('## A')).toBe('<h2>A</h2>\n');
  });

  it('reads a fence info string in mdBook form (`rust,ignore`) as its language, for the class and the highlighter', () => {
    expect(md('```rust,ignore\nfn main() {}\n```')).toBe('<pre><code class="language-rust">fn main() {}\n</code></pre>\n');
    const seen: string[] = [];
    const hl = createMarkdown({
      highlight: (code, lang, attrs) => {
        seen.push(`${lang}|${attrs}`);
        return `<b>${code.trim()}</b>`;
      },
    });
    expect(hl('```rust,ignore,no_run\nx\n```')).toBe('<pre><code class="language-rust"><b>x</b></code></pre>\n');
    expect(seen).toEqual(['rust|ignore,no_run']);
  });

  it('renders footnotes and definition lists, each of which can be turned off', () => {
    const text = 'A claim.[^1]\n\n[^1]: Note.\n\nTerm\n: Definition.\n';
    const html = md(text);
    expect(html).toContain('<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>');
    expect(html).toContain('<dl>\n<dt>Term</dt>\n<dd>Definition.</dd>\n</dl>');
    const off = createMarkdown({ footnotes: false, deflists: false })(text);
    expect(off).not.toContain('footnote');
    expect(off).not.toContain('<dl>');
  });

  it('passes the entry to markdown-it as env, for plugins', () => {
    const seen: unknown[] = [];
    const withPlugin = createMarkdown({
      configure: (m) => m.core.ruler.push('spy', (state: any) => void seen.push([state.env.file, state.env.id, state.env.url])),
    });
    withPlugin('x', markdownEnv(context(), 'content/guide/install.md', 'guide/install', '/docs/guide/install/'));
    expect(seen).toEqual([['content/guide/install.md', 'guide/install', '/docs/guide/install/']]);
  });

  it("writes links to content files as the target entry's URL (its permalink), and leaves other files' links alone without resources", () => {
    const ctx = context();
    const env = markdownEnv(ctx, 'content/guide/install.md', 'guide/install', '/docs/guide/install/');
    const html = md(
      '[u](usage.md#options) [s](_index.md) [self](install.md) [b](../bundle/index.md) [home](../index.md) ' +
        '[img](img/a.png) [x](https://e.com/a.md) [abs](/a.md) [frag](#x) [up](../../README.md)',
      env,
    );
    expect(hrefs(html)).toEqual([
      '/use/#options',
      '/docs/guide/',
      '/docs/guide/install/',
      '/docs/bundle/',
      '/docs/',
      'img/a.png',
      'https://e.com/a.md',
      '/a.md',
      '#x',
      '../../README.md',
    ]);
    expect(ctx.warnings).toEqual([]);
  });

  it('writes links absolute with the base path, page resources included when published, and permalinks win', () => {
    const ctx = context({ resources: true, base: '/repo/' });
    const html = md(
      '[u](usage.md) [i](install.md#a) ![p](img/a.png) [s](./_index.md)',
      markdownEnv(ctx, 'content/guide/install.md', 'guide/install', '/docs/guide/install/'),
    );
    expect(hrefs(html)).toEqual(['/repo/use/', '/repo/docs/guide/install/#a', '/repo/docs/guide/img/a.png', '/repo/docs/guide/']);
  });

  it('leaves a link to a missing file as written, with a warning naming both files', () => {
    const ctx = context({ resources: true });
    const html = md(
      '[m](gone.md) ![i](img/gone.png)',
      markdownEnv(ctx, 'content/guide/install.md', 'guide/install', '/docs/guide/install/'),
    );
    expect(hrefs(html)).toEqual(['gone.md', 'img/gone.png']);
    expect(ctx.warnings).toEqual([
      'content/guide/install.md links to gone.md, but content/guide/gone.md does not exist (the link is left as written)',
      'content/guide/install.md links to img/gone.png, but content/guide/img/gone.png does not exist (the link is left as written)',
    ]);
  });

  it('rewrites nothing with links: false', () => {
    const html = createMarkdown({ links: false })(
      '[u](usage.md)',
      markdownEnv(context(), 'content/guide/install.md', 'guide/install', '/docs/guide/install/'),
    );
    expect(hrefs(html)).toEqual(['usage.md']);
  });
});
