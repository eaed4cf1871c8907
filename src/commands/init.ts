import { cp, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { VERSION } from '../version.js';

/** isr's name on the npm registry (`isr` itself belongs to an unrelated package). */
export const PACKAGE_NAME = 'static-isr';

export interface InitOptions {
  force?: boolean;
  /** The dependency spec written for static-isr (default: `starterDependency()`). */
  isrDep?: string;
}

/** `isr init [dir]`: copy the starter site from the package's `templates/starter`. */
export async function initCommand(dir: string, opts: InitOptions): Promise<void> {
  const target = path.resolve(dir);
  const existing = await readdir(target).catch(() => [] as string[]);
  if (existing.length && !opts.force) {
    throw new IsrError('USAGE', `${dir} is not empty`, { hint: 'choose a new folder, or pass --force to write into it' });
  }
  const starter = path.join(PACKAGE_ROOT, 'templates', 'starter');
  await mkdir(target, { recursive: true });
  await cp(starter, target, { recursive: true, force: Boolean(opts.force), errorOnExist: false });
  // npm drops files named .gitignore from published packages, so the starter ships it without the dot.
  await rename(path.join(target, 'gitignore'), path.join(target, '.gitignore')).catch(() => {});
  await writePackageJson(target, opts.isrDep ?? starterDependency(PACKAGE_ROOT, VERSION));
  const rel = path.relative(process.cwd(), target) || '.';
  process.stdout.write(
    `Created a starter site in ${rel}\n\nNext:\n  cd ${rel}\n  npm install\n  npm run dev       # isr dev: build, then preview at http://127.0.0.1:3000 with live reload\n  npm run build     # render into dist/\n  npm run regen     # later, from cron: re-render what is due\n`,
  );
}

/**
 * Where the new site's `npm install` gets isr from: the same copy that runs `init`. Installed from
 * the registry (isr sits in a node_modules folder), the registry range of this version; run from
 * a clone or any other folder (no copy of isr on the registry yet), a `file:` link to that
 * folder, so the site uses exactly this build and nothing is fetched for it.
 */
export function starterDependency(packageRoot: string, version: string): string {
  const fromRegistry = packageRoot.split(/[\\/]/).includes('node_modules');
  return fromRegistry ? `^${version}` : `file:${packageRoot}`;
}

/** The starter's package.json, named after its folder, with isr's dependency spec filled in. */
async function writePackageJson(target: string, spec: string): Promise<void> {
  const file = path.join(target, 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8'));
  pkg.name = npmName(path.basename(target));
  pkg.dependencies = { ...pkg.dependencies, [PACKAGE_NAME]: spec };
  await writeFile(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** A folder name as a valid npm package name (lower case, URL-safe), `my-isr-site` if none is left. */
function npmName(base: string): string {
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
    .slice(0, 214);
  return name || 'my-isr-site';
}
