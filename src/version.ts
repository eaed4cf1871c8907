import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './package-root.js';

/** The package version, read once from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * `isr --version --verbose`: isr's version, the packages built into dist/ with their versions
 * (scripts/build.mjs writes dist/bundled.json; `npm audit` of a site cannot see them), and Node's.
 * Read only when asked, so `isr --version` and every run stay as cheap as before.
 */
export function versionDetails(): string {
  let bundled = '';
  try {
    const versions = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'dist', 'bundled.json'), 'utf8')) as Record<string, string>;
    bundled = `built in: ${Object.entries(versions)
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}\n`;
  } catch {
    // Running from src/ unbuilt: nothing is built in.
  }
  return `static-isr ${VERSION}\n${bundled}node ${process.version}\n`;
}
