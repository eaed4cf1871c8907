/**
 * The public types of isr: what a user writes in `isr.config.*` and what a data-source plugin
 * implements. Everything here is exported from the package root.
 *
 * This file is the one import point: the types live by area in `types/` (site, sources, routes,
 * serve, store, config) and are re-exported here, so importers and the package's declarations
 * name `types.js` as they always did.
 */

export type * from './types/config.js';
export { defineConfig } from './types/config.js';
export type * from './types/routes.js';
export type * from './types/serve.js';
export type * from './types/site.js';
export type * from './types/sources.js';
export type * from './types/store.js';
