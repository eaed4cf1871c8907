import { describe, expect, it } from 'vitest';
import { purgePaths } from '../../src/purge/purge.js';

describe('the URLs a purge names', () => {
  it('are the public URL paths of the changed files, encoded as the sitemap gives them, without host files', () => {
    const changes = {
      written: ['blog/café/index.html', 'index.html', 'a b.xml', 'a,b/index.html', '_headers', '_redirects'],
      removed: ['x/index.html'],
    };
    expect(purgePaths(changes, '/docs/')).toEqual(['/docs/', '/docs/a%20b.xml', '/docs/a,b/', '/docs/blog/caf%C3%A9/', '/docs/x/']);
    expect(purgePaths({ written: ['index.html'], removed: [] }, '/')).toEqual(['/']);
  });
});
