import { cp, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** `isr init [dir]`: copy the starter site from the package's `templates/starter`. */
export async function initCommand(dir: string, opts: { force?: boolean }): Promise<void> {
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
  const rel = path.relative(process.cwd(), target) || '.';
  process.stdout.write(
    `Created a starter site in ${rel}\n\nNext:\n  cd ${rel}\n  npm install\n  npx isr build     # render into dist/\n  npx isr serve     # preview with stale-while-revalidate\n`,
  );
}
