import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('isr build: a param too long for the disk is bad input', () => {
  let site: TempSite;
  afterEach(() => site?.cleanup());

  it('exits 5 with one line naming the route and the param when a param is over 200 bytes as UTF-8', async () => {
    site = await tempSite('serve-bounds');
    const config = await site.read('isr.config.mjs');
    // 100 characters, 300 bytes: under a character count of 200, over NAME_MAX on disk.
    await site.write(
      'isr.config.mjs',
      config.replace("paths: () => [{ slug: 'listed' }]", "paths: () => [{ slug: 'listed' }, { slug: '中'.repeat(100) }]"),
    );
    const r = await site.run(['build'], { now: T0 });
    expect(r.code).toBe(5);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('route "any"');
    expect(lines[0]).toContain('param "slug" makes a path segment of 300 bytes as UTF-8 (at most 200)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(site.root, 'dist'))).toBe(false);
    expect(existsSync(path.join(site.root, '.isr/manifest.json'))).toBe(false);
  });
});
