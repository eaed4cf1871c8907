import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMarkdown } from '../../src/sources/markdown.js';
import { REPO } from '../helpers/site.js';

// The build puts markdown-it and its dependencies into one file with `entities` loaded on first
// need (scripts/build.mjs, scripts/entities-lazy.cjs). It must render exactly as the package.
const require = createRequire(import.meta.url);
const vendored = path.join(REPO, 'dist', 'vendor', 'markdown-it.cjs');

const SAMPLES = [
  '# Title\n\nPlain *emphasis*, **strong**, `code` and a [link](https://example.com/a?b=1&c=2).',
  'Entities: &amp; &lt; &copy; &eacute; &#233; &#x1F600; &nbsp; &notanentity; &amp',
  '<div class="x">raw &amp; html</div>\n\n<script>alert(1)</script>',
  '"Quotes" -- dashes --- and (c) (tm) ... with typographer',
  'A bare URL https://example.com/path and www.example.org here.',
  '```js\nconst a = "<b>" && 1;\n```\n\n> quote &mdash; with entity\n\n- [ ] list\n- item &hellip;',
  '[link with &amp; in title](/x "T &amp; t") ![img &lt;](/i.png)',
];

describe('the markdown-it built into dist/vendor', () => {
  // First: nothing in this file has loaded it yet.
  it('is what the files source renders with', () => {
    expect(require.cache[vendored]).toBeUndefined();
    expect(createMarkdown({ html: true })('x &amp; y')).toBe('<p>x &amp; y</p>\n');
    expect(require.cache[vendored]).toBeDefined();
  });

  it('renders every sample as the markdown-it package does, for each option', () => {
    // Tests run on a built tree (the CLI tests run dist/), so the file must be there.
    expect(existsSync(vendored)).toBe(true);
    const Vendored = require(vendored);
    const Package = require('markdown-it');
    for (const options of [
      {},
      { html: true },
      { typographer: true },
      { linkify: true },
      { html: true, linkify: true, typographer: true },
    ]) {
      const a = new Vendored(options);
      const b = new Package(options);
      for (const s of SAMPLES) expect(a.render(s)).toBe(b.render(s));
    }
    // Entity decoding is loaded on first need and then works.
    expect(new Vendored().render('&eacute;&#x41;')).toBe('<p>éA</p>\n');
  });
});
