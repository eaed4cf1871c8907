/**
 * The package's public API: what `isr.config.*` files and plugins import.
 * (The CLI lives in `cli.ts` and is not part of this surface.)
 */
export { defineConfig } from './types.js';
export type * from './types.js';
export { files, type FilesOptions, type FileEntry } from './sources/files.js';
export { http, type HttpOptions } from './sources/http.js';
export type { MarkdownItInstance, MarkdownOptions } from './sources/markdown.js';
export { IsrError, type ErrorCode } from './errors.js';
// From the model, not manifest.ts: its declarations name Node's Buffer, and the public ones must
// type-check in a project without @types/node.
export type { Manifest, PageEntry, RouteEntry, TemplateEntry } from './manifest/model.js';
export { formatDate } from './render/helpers.js';
export { paginate, pageParams, type Pagination, type PaginateOptions, type PageParamsOptions } from './pages/paginate.js';
