/**
 * `sanity()`: the `serve.webhook` mapper for Sanity's GROQ-powered webhooks (also run by
 * `isr regen --payload`). The body is the webhook's projection (the whole document when it has
 * none); the operation comes in the `sanity-operation` header (`create`, `update`, `delete`).
 */
import { IsrError } from '../errors.js';
import type { RevalidateTarget, WebhookIgnored, WebhookMapper } from '../types.js';
import { type EntryPath, entryPath } from './entry-path.js';

/** What `sanity()` does for documents of one `_type`. */
export interface SanityDocumentType {
  /**
   * The document's page from its (projected) fields: `/blog/:slug/` (a slug field's `current` is
   * used) or a function of the document. Named on create and update.
   */
  path?: EntryPath<Record<string, unknown>, Record<string, unknown>>;
  /** More tags to render on every event of a document of this type (what listing pages `track()`). */
  tags?: string[];
}

export interface SanityOptions {
  /** The tag a page recorded for a document, by `_id`. Default `document:<id>`. */
  documentTag?: (id: string) => string;
  /** Per `_type` (`post`): its page and extra tags. */
  types?: Record<string, SanityDocumentType>;
}

/**
 * A Sanity webhook as the pages to render: the document's tag and its type's `tags` always, and
 * on create/update its page by `path` (on delete the page is found by its tag: it renders, its
 * `load` no longer finds the document, and `notFound` removes it). Drafts and release versions
 * (`drafts.…`, `versions.…` ids) are ignored: they are not on the published site.
 */
export function sanity(options: SanityOptions = {}): WebhookMapper {
  const documentTag = options.documentTag ?? ((id: string) => `document:${id}`);
  const types = new Map(
    Object.entries(options.types ?? {}).map(([name, t]) => [
      name,
      { path: t.path === undefined ? undefined : entryPath(t.path, `sanity(): types.${name}`), tags: t.tags ?? [] },
    ]),
  );
  return (payload, request): RevalidateTarget | WebhookIgnored => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new IsrError('PAYLOAD_INVALID', 'not a Sanity webhook payload: the body is not a JSON object (project at least _id and _type)');
    const doc = payload as Record<string, unknown>;
    const id = typeof doc._id === 'string' && doc._id ? doc._id : request?.headers['sanity-document-id'];
    if (!id)
      throw new IsrError('PAYLOAD_INVALID', 'not a Sanity webhook payload: no _id (project it, or keep the sanity-document-id header)');
    if (id.startsWith('drafts.') || id.startsWith('versions.')) return { ignored: true, reason: `draft ${id}` };
    const operation = request?.topic;
    if (operation !== undefined && !['create', 'update', 'delete'].includes(operation)) return { ignored: true, reason: operation };
    const type = typeof doc._type === 'string' ? doc._type : undefined;
    const t = type === undefined ? undefined : types.get(type);
    const tags = [documentTag(id), ...(t?.tags ?? [])];
    if (operation === 'delete' || !t?.path) return { tags };
    const path = t.path(doc, doc, () => `${type} ${id}`);
    return { paths: path === undefined ? [] : [path], tags };
  };
}
