/**
 * contentful() and sanity() as pure functions: which topic (or, without one, which payload)
 * names what, what is ignored, and which payloads are refused (PAYLOAD_INVALID, a 400).
 */
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../../src/types.js';
import { contentful } from '../../src/webhooks/contentful.js';
import { sanity } from '../../src/webhooks/sanity.js';

const req = (topic?: string, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  path: '/__isr/revalidate',
  headers,
  topic,
  body: '',
  now: 0,
});

const post = { sys: { id: 'p1', type: 'Entry', contentType: { sys: { id: 'blogPost' } } }, fields: { slug: { 'de-DE': 'hallo' } } };
const tombstone = { sys: { id: 'p1', type: 'DeletedEntry', contentType: { sys: { id: 'blogPost' } } } };

describe('contentful()', () => {
  const map = contentful({ locale: 'de-DE', contentTypes: { blogPost: { path: '/blog/:slug/', tags: ['listing'] } } });

  it('maps each topic: publish names the page, removals and assets name tags, the rest is ignored', () => {
    expect(map(post, req('ContentManagement.Entry.publish'))).toEqual({ paths: ['/blog/hallo/'], tags: ['entry:p1', 'listing'] });
    for (const action of ['unpublish', 'archive', 'delete'])
      expect(map(tombstone, req(`ContentManagement.Entry.${action}`))).toEqual({ tags: ['entry:p1', 'listing'] });
    // An archive payload may carry the entity with its fields: still a removal, no path.
    expect(map({ ...post, sys: { ...post.sys, archivedAt: '2026-01-01T00:00:00Z' } }, req('ContentManagement.Entry.archive'))).toEqual({
      tags: ['entry:p1', 'listing'],
    });
    expect(map({ sys: { id: 'a1', type: 'DeletedAsset' } }, req('ContentManagement.Asset.unpublish'))).toEqual({ tags: ['asset:a1'] });
    expect(map({ sys: { id: 'a1', type: 'Asset' }, fields: {} }, req('ContentManagement.Asset.publish'))).toEqual({ tags: ['asset:a1'] });
    for (const topic of [
      'ContentManagement.Entry.save',
      'ContentManagement.Entry.auto_save',
      'ContentManagement.Entry.unarchive',
      'ContentManagement.ContentType.publish',
      'nonsense',
    ])
      expect(map(post, req(topic))).toEqual({ ignored: true, reason: topic });
  });

  it('without a topic, reads the event from sys.type (and sys.archivedAt)', () => {
    expect(map(post, req())).toEqual({ paths: ['/blog/hallo/'], tags: ['entry:p1', 'listing'] });
    expect(map(tombstone, req())).toEqual({ tags: ['entry:p1', 'listing'] });
    expect(map({ ...post, sys: { ...post.sys, archivedAt: 'x' } }, req())).toEqual({ tags: ['entry:p1', 'listing'] });
    expect(map({ sys: { id: 'a1', type: 'DeletedAsset' } }, req())).toEqual({ tags: ['asset:a1'] });
    expect(map({ sys: { id: 'ct', type: 'ContentType' } }, req())).toEqual({ ignored: true, reason: 'a ContentType' });
  });

  it("names an entry of a type it has no options for by its tag alone, with the caller's tag scheme", () => {
    const custom = contentful({ entryTag: (id) => `url:https://cdn/entries/${id}`, assetTag: (id) => `img:${id}` });
    const author = { sys: { id: 'au', type: 'Entry', contentType: { sys: { id: 'author' } } }, fields: {} };
    expect(custom(author, req('ContentManagement.Entry.publish'))).toEqual({ tags: ['url:https://cdn/entries/au'] });
    expect(custom({ sys: { id: 'a1', type: 'Asset' } }, req())).toEqual({ tags: ['img:a1'] });
  });

  it('refuses malformed payloads, a field missing in the locale, and a bad pattern at config time', () => {
    const refused = (payload: unknown, topic?: string) => {
      try {
        map(payload, req(topic));
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
      return 'accepted';
    };
    expect(refused(null)).toBe('PAYLOAD_INVALID: not a Contentful webhook payload: no "sys" object');
    expect(refused({ sys: { id: 5, type: 'Entry' } })).toMatch(/^PAYLOAD_INVALID: .*"sys" has no "id" and "type" strings/);
    expect(refused({ ...post, fields: { slug: { 'en-US': 'hello' } } })).toBe(
      'PAYLOAD_INVALID: Entry p1 (blogPost) in locale de-DE has no "slug" to fill /blog/:slug/',
    );
    expect(refused({ sys: post.sys })).toBe('PAYLOAD_INVALID: Entry p1 (blogPost) was published without fields');
    expect(refused(tombstone, 'ContentManagement.Asset.delete')).toBe(
      'PAYLOAD_INVALID: topic ContentManagement.Asset.delete with a payload of sys.type DeletedEntry',
    );
    expect(() => contentful({ contentTypes: { x: { path: '/blog/[slug]/' } } })).toThrow(/contentTypes\.x: path "\/blog\/\[slug\]\/"/);
  });
});

describe('sanity()', () => {
  const map = sanity({ types: { post: { path: '/blog/:slug/', tags: ['listing'] } } });
  const doc = { _id: 'd1', _type: 'post', slug: { _type: 'slug', current: 'hello' } };

  it('maps create/update to the page and tags, delete to the tags, and ignores drafts and other operations', () => {
    expect(map(doc, req('create'))).toEqual({ paths: ['/blog/hello/'], tags: ['document:d1', 'listing'] });
    expect(map(doc, req('update'))).toEqual({ paths: ['/blog/hello/'], tags: ['document:d1', 'listing'] });
    expect(map(doc, req('delete'))).toEqual({ tags: ['document:d1', 'listing'] });
    expect(map({ ...doc, _id: 'drafts.d1' }, req('update'))).toEqual({ ignored: true, reason: 'draft drafts.d1' });
    expect(map({ ...doc, _id: 'versions.r1.d1' }, req('update'))).toEqual({ ignored: true, reason: 'draft versions.r1.d1' });
    expect(map(doc, req('publish'))).toEqual({ ignored: true, reason: 'publish' });
    // The id from the header when the projection leaves _id out.
    expect(map({ _type: 'post', slug: 'plain' }, req('update', { 'sanity-document-id': 'd2' }))).toEqual({
      paths: ['/blog/plain/'],
      tags: ['document:d2', 'listing'],
    });
  });

  it('refuses a body that is not an object, has no id, or lacks the slug', () => {
    expect(() => map([], req('update'))).toThrow(/not a JSON object/);
    expect(() => map({ _type: 'post' }, req('update'))).toThrow(/no _id/);
    expect(() => map({ _id: 'd1', _type: 'post' }, req('update'))).toThrow('post d1 has no "slug" to fill /blog/:slug/');
  });
});
