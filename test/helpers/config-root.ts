import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type ResolvedConfig, resolveConfig } from '../../src/config/resolve-config.js';
import type { UserConfig } from '../../src/types.js';

export interface ConfigRoot {
  /** The folder (set once beforeAll has run). */
  readonly root: string;
  /** resolveConfig of `user` as if it were this folder's isr.config.mjs. */
  resolve(user: unknown, overrides?: { outDir?: string; concurrency?: number }): ResolvedConfig;
}

/**
 * A site folder holding one empty template, `<templatesDir>/page.eta`, for tests that resolve
 * configs in memory (resolveConfig checks that a route's template exists; it reads nothing else).
 * Made in beforeAll and removed in afterAll of the file or describe it is called in.
 */
export function configRoot(templatesDir = 'templates'): ConfigRoot {
  let root: string | undefined;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'isr-config-'));
    mkdirSync(path.join(root, templatesDir));
    writeFileSync(path.join(root, templatesDir, 'page.eta'), '');
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  const ready = () => {
    if (!root) throw new Error('configRoot(): used before its beforeAll ran');
    return root;
  };
  return {
    get root() {
      return ready();
    },
    resolve: (user, overrides = {}) =>
      resolveConfig(user as UserConfig, { root: ready(), configFile: path.join(ready(), 'isr.config.mjs'), configHash: 'h', overrides }),
  };
}
