import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-02-01T00:00:00Z');

describe('isr build: Hugo +++ TOML front matter', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());

  it('reads the TOML block: its title is rendered, and a draft = true post is not published', async () => {
    site = await tempSite('blog');
    await site.write(
      'content/posts/from-hugo.md',
      '+++\ntitle = "Moved from Hugo"\ndate = 2026-01-20\ntags = ["meta"]\n+++\nHello from TOML.\n',
    );
    await site.write('content/posts/hugo-draft.md', '+++\ntitle = "Secret"\ndate = 2026-01-21\ndraft = true\n+++\nNot yet.\n');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(0);
    const page = await site.read('dist/blog/from-hugo/index.html');
    expect(page).toContain('Moved from Hugo');
    expect(page).not.toContain('+++');
    expect(existsSync(path.join(site.root, 'dist/blog/hugo-draft/index.html'))).toBe(false);
    expect(await site.read('dist/index.html')).not.toContain('Secret');
  });

  it('stops at a bad TOML block with one line naming the file and line, nothing published', async () => {
    site = await tempSite('blog');
    await site.write('content/posts/broken.md', '+++\ntitle = "Broken"\ndate = 2026-01-20\ntags = ["a",\n+++\nBody\n');
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^isr: content\/posts\/broken\.md:\d+: invalid TOML: .* \(fix the TOML syntax\) \[FRONT_MATTER\]$/);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
  });
});
