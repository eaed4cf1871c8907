import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture, until } from './helpers.js';

// Issue 21 item 9: fixtures/md-docs's install page includes listings/main.rs (outside the content
// folder) and records it with track('file:listings/main.rs').
describe('isr serve --watch and files pages recorded with track()', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('re-renders the page that tracked a file outside every source folder when that file changes', async () => {
    s = await serveFixture('md-docs', { watch: true });
    expect((await s.get('/docs/guide/install/')).text).toContain('v1');
    await s.site.write('listings/main.rs', 'fn main() { println!("v2"); }\n');
    await until(async () => (await s.get('/docs/guide/install/')).text.includes('v2'), 'the page with the new listing');
    await s.server.idle();
    expect(s.logger.lines.join('\n')).toContain('listings/main.rs');
  });

  it('follows a file a page starts tracking after the server started', async () => {
    s = await serveFixture('md-docs', { watch: true });
    await s.site.write('listings/other.rs', 'fn other() { /* o1 */ }\n');
    const usage = await s.site.read('content/guide/usage.md');
    await s.site.write('content/guide/usage.md', usage.replace('title: Usage', 'title: Usage\nlisting: listings/other.rs'));
    await until(async () => (await s.get('/docs/guide/usage/')).text.includes('o1'), 'the page with its listing');
    await s.server.idle();
    await s.site.write('listings/other.rs', 'fn other() { /* o2 */ }\n');
    await until(async () => (await s.get('/docs/guide/usage/')).text.includes('o2'), 'the page with the edited listing');
  });
});
