/**
 * What dist/isr.cjs is built from (scripts/build.mjs): the library's exports and the CLI's
 * `main`, in one file, so a run loads one file and the CLI and a user's config share modules.
 */

export { main } from './cli.js';
export * from './index.js';
