import { describe, expect, it } from 'vitest';
import { appliesTo, changeOf, MAX_RECORDED_PAGES, recordChange } from '../../src/manifest/head-change.js';
import { fileSignature } from '../../src/manifest/manifest.js';
import { tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('the change set a manifest head records', () => {
  it('names the pages (sorted, once each) up to a bound, then says `all`; a first build records none', () => {
    expect(recordChange('v1', ['/b/', '/a/', '/b/'], ['3', '1'])).toEqual({ base: 'v1', pages: ['/a/', '/b/'], shards: ['1', '3'] });
    const many = Array.from({ length: MAX_RECORDED_PAGES + 1 }, (_, i) => `/p/${i}/`);
    expect(recordChange('v1', many, 'all')).toEqual({ base: 'v1', pages: 'all', shards: 'all' });
    expect(recordChange(undefined, ['/a/'], ['0'])).toBeUndefined();
  });

  it('applies to the head it was made against, or to the first head of the same run (via)', () => {
    expect(appliesTo({ base: 'v1', pages: [], shards: [] }, 'v1')).toBe(true);
    expect(appliesTo({ base: 'v1', pages: [], shards: [], via: 'v2' }, 'v2')).toBe(true);
    expect(appliesTo({ base: 'v1', pages: [], shards: [] }, 'v0')).toBe(false);
    expect(appliesTo({ base: 'v1', pages: [], shards: [] }, undefined), 'a follower that knows no version').toBe(false);
  });

  it('is ignored when malformed (a follower then reads the manifest whole)', () => {
    expect(changeOf({ change: { base: 'v', pages: ['/a/'], shards: ['0f'] } })).toEqual({ base: 'v', pages: ['/a/'], shards: ['0f'] });
    expect(changeOf({})).toBeUndefined();
    expect(changeOf({ change: { base: 1, pages: [], shards: [] } })).toBeUndefined();
    expect(changeOf({ change: { base: 'v', pages: ['../x'], shards: [] } })).toBeUndefined();
    expect(changeOf({ change: { base: 'v', pages: [], shards: ['../0'] } })).toBeUndefined();
  });

  it('a regen records the version of the head it read, its pages and its shards', async () => {
    const site = await tempSite('blog');
    try {
      expect((await site.run(['build', '--quiet'], { now: T0 })).code).toBe(0);
      expect(JSON.parse(await site.read('.isr/manifest.json')).change, 'a first build').toBeUndefined();
      const base = fileSignature(`${site.root}/.isr/manifest.json`);
      const r = await site.run(['regen', '--path', '/blog/cron-in-ci/', '--quiet'], { now: T0 + 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const head = JSON.parse(await site.read('.isr/manifest.json'));
      expect(head.change).toEqual({ base, pages: ['/blog/cron-in-ci/'], shards: Object.keys(head.shards) });
    } finally {
      await site.cleanup();
    }
  });
});
