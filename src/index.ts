/**
 * The package's public API: what `isr.config.*` files and plugins import.
 * (The CLI lives in `cli.ts` and is not part of this surface.)
 */

export { type ErrorCode, IsrError } from './errors.js';
// From the model, not manifest.ts: its declarations name Node's Buffer, and the public ones must
// type-check in a project without @types/node.
export type { Manifest, PageEntry, RouteEntry, TemplateEntry } from './manifest/model.js';
export { type PageParamsOptions, type PaginateOptions, type Pagination, pageParams, paginate } from './pages/paginate.js';
export { type CloudflareOptions, cloudflare } from './purge/cloudflare.js';
export { type CloudFrontOptions, cloudfront } from './purge/cloudfront.js';
export { type FastlyOptions, fastly, surrogateKeys } from './purge/fastly.js';
export type { PurgeInput, PurgeRequest, PurgeTarget } from './purge/purge.js';
export { formatDate } from './render/helpers.js';
export {
  byWeight,
  type ContentNode,
  contentPage,
  contentPaths,
  contentTree,
  prevNext,
  readingOrder,
} from './sources/content-tree.js';
export { type FileEntry, type FilesOptions, files } from './sources/files.js';
export { type HttpOptions, http } from './sources/http.js';
export type { MarkdownItInstance, MarkdownOptions } from './sources/markdown.js';
export { s3 } from './store/s3-config.js';
export type * from './types.js';
export { defineConfig } from './types.js';
export { type ContentfulContentType, type ContentfulEntity, type ContentfulOptions, contentful } from './webhooks/contentful.js';
export type { EntryPath } from './webhooks/entry-path.js';
export { type SanityDocumentType, type SanityOptions, sanity } from './webhooks/sanity.js';
export { contentfulSignature, type SignatureOptions, sanitySignature } from './webhooks/signatures.js';
