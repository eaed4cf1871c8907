import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

/**
 * isr's own folder (package.json, templates/), found upward from this module. A fixed `../..`
 * would not do: this code runs from src/ (tests), and from dist/ once bundled.
 */
export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) throw new InternalError(`no package.json above ${dir}`);
  }
}
