/**
 * `contentful()`: the `serve.webhook` mapper for Contentful's webhooks (also run by
 * `isr regen --payload`). Which pages an event touches is found from the tags pages recorded:
 * an entry's (and an asset's) tag from its id, so an unpublish tombstone, which carries `sys`
 * only, still finds the page to remove: the page renders again, its `load` no longer finds the
 * entry, and `notFound` removes it.
 */
import { IsrError } from '../errors.js';
import type { RevalidateTarget, WebhookIgnored, WebhookMapper } from '../types.js';
import { type EntryPath, entryPath } from './entry-path.js';

/** An entity of a Contentful webhook payload: `sys`, and `fields` by field then locale (none in a tombstone). */
export interface ContentfulEntity {
  sys: { id: string; type: string; contentType?: { sys?: { id?: string } }; [key: string]: unknown };
  fields?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

/** What `contentful()` does for entries of one content type. */
export interface ContentfulContentType {
  /**
   * The entry's page, from its fields in `locale`: a pattern (`/blog/:slug/`), or a function of
   * those fields (and the whole entity). Named on publish, so a new entry's page is rendered (and
   * a renamed one's new page). A field the pattern needs and the entry lacks is a 400.
   */
  path?: EntryPath<Record<string, unknown>, ContentfulEntity>;
  /**
   * More tags to render on every event of an entry of this type, e.g. one the listing pages
   * `track()`: a listing must show a new entry, whose tag it could not have recorded.
   */
  tags?: string[];
}

export interface ContentfulOptions {
  /** The space's default locale: the one fields are read from. Default `en-US`. */
  locale?: string;
  /**
   * The tag a page recorded for an entry, by id. Default `entry:<id>`. With the `http` source,
   * the entry's `url:` tag: `(id) => \`url:${entryUrl(id)}\`` for the URL its `item` gives.
   */
  entryTag?: (id: string) => string;
  /** The tag a page recorded for an asset, by id. Default `asset:<id>`. */
  assetTag?: (id: string) => string;
  /** Per content type id (`blogPost`): its page and extra tags. */
  contentTypes?: Record<string, ContentfulContentType>;
}

/**
 * A Contentful webhook as the pages to render. By topic (`X-Contentful-Topic`, or from `sys.type`
 * when there is none, as in a saved payload):
 * - `Entry.publish`: the entry's tag, its type's `tags`, and its page by `path`;
 * - `Entry.unpublish`, `.archive`, `.delete`: the entry's tag and its type's `tags` (a tombstone
 *   has no fields, so no path: the page is found by the tag it recorded);
 * - `Asset.publish`, `.unpublish`, `.archive`, `.delete`: the asset's tag;
 * - anything else (`create`, `save`, `auto_save`, `unarchive`, content types, tasks…): ignored,
 *   answered 200 (a CMS logs any other answer as a failed delivery).
 */
export function contentful(options: ContentfulOptions = {}): WebhookMapper {
  const locale = options.locale ?? 'en-US';
  if (typeof locale !== 'string' || !locale) throw new TypeError('contentful(): locale must be a locale code such as "de-DE"');
  const entryTag = options.entryTag ?? ((id: string) => `entry:${id}`);
  const assetTag = options.assetTag ?? ((id: string) => `asset:${id}`);
  const types = new Map(
    Object.entries(options.contentTypes ?? {}).map(([id, t]) => [
      id,
      { path: t.path === undefined ? undefined : entryPath(t.path, `contentful(): contentTypes.${id}`), tags: t.tags ?? [] },
    ]),
  );

  return (payload, request): RevalidateTarget | WebhookIgnored => {
    const entity = checkEntity(payload);
    const { id, type } = entity.sys;
    const event = eventOf(request?.topic, entity);
    if ('ignored' in event) return event;
    if (event.kind === 'Asset') return { tags: [assetTag(id)] };
    const contentType = entity.sys.contentType?.sys?.id;
    const t = contentType === undefined ? undefined : types.get(contentType);
    const tags = [entryTag(id), ...(t?.tags ?? [])];
    if (event.action === 'remove' || !t?.path) return { tags };
    if (typeof entity.fields !== 'object' || entity.fields === null)
      throw new IsrError('PAYLOAD_INVALID', `${type} ${id} (${contentType}) was published without fields`);
    const fields: Record<string, unknown> = {};
    for (const [name, byLocale] of Object.entries(entity.fields)) fields[name] = byLocale?.[locale];
    const what = () => `${type} ${id} (${contentType}) in locale ${locale}`;
    const path = t.path(fields, entity, what);
    return { paths: path === undefined ? [] : [path], tags };
  };
}

/** A payload shaped as a Contentful entity (`sys.id`, `sys.type`), or PAYLOAD_INVALID. */
function checkEntity(payload: unknown): ContentfulEntity {
  const sys = (payload as { sys?: unknown } | null)?.sys as { id?: unknown; type?: unknown } | undefined;
  if (typeof payload !== 'object' || payload === null || typeof sys !== 'object' || sys === null)
    throw new IsrError('PAYLOAD_INVALID', 'not a Contentful webhook payload: no "sys" object');
  if (typeof sys.id !== 'string' || !sys.id || typeof sys.type !== 'string')
    throw new IsrError('PAYLOAD_INVALID', 'not a Contentful webhook payload: "sys" has no "id" and "type" strings');
  return payload as ContentfulEntity;
}

type ContentfulEvent = { kind: 'Entry' | 'Asset'; action: 'publish' | 'remove' } | WebhookIgnored;

const REMOVING = new Set(['unpublish', 'archive', 'delete']);

/**
 * The event from the topic (`ContentManagement.Entry.publish`), or, without one, from the entity:
 * `DeletedEntry`/`DeletedAsset` were removed, an `Entry`/`Asset` archived (`sys.archivedAt`) was
 * too, any other published. A topic that disagrees with the entity's type is a bad payload.
 */
function eventOf(topic: string | undefined, entity: ContentfulEntity): ContentfulEvent {
  const sysType = entity.sys.type;
  if (topic === undefined) {
    if (sysType === 'DeletedEntry' || sysType === 'DeletedAsset')
      return { kind: sysType === 'DeletedEntry' ? 'Entry' : 'Asset', action: 'remove' };
    if (sysType === 'Entry' || sysType === 'Asset') return { kind: sysType, action: entity.sys.archivedAt ? 'remove' : 'publish' };
    return { ignored: true, reason: `a ${sysType}` };
  }
  const m = /^ContentManagement\.([A-Za-z]+)\.([a-z_]+)$/i.exec(topic);
  const kind = m?.[1];
  const action = m?.[2];
  if ((kind !== 'Entry' && kind !== 'Asset') || (action !== 'publish' && !REMOVING.has(action ?? '')))
    return { ignored: true, reason: topic };
  if (sysType !== kind && sysType !== `Deleted${kind}`)
    throw new IsrError('PAYLOAD_INVALID', `topic ${topic} with a payload of sys.type ${sysType}`);
  return { kind, action: action === 'publish' ? 'publish' : 'remove' };
}
