import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Every regular file under `dir`, as absolute paths in no particular order: dotfiles and
 * dot-folders skipped (unless `keep` says otherwise), symbolic links followed (a linked folder of shared partials counts; a
 * folder reached twice is walked once, so a link loop ends). Throws on an unreadable folder or a
 * broken link. A plain walk rather than fast-glob: the templates folder is read on every run
 * (each webhook of `isr serve` included) and a content folder can hold 100k files; 20k files
 * take ~15 ms here against ~250 ms, and no glob library is loaded.
 */
export function walkFiles(dir: string, seen = new Set<string>(), keep: (name: string) => boolean = notDotted): string[] {
  // The native call: one system call, where the JS one lstats every component of the path.
  const real = realpathSync.native(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  // A name holds no separator, so a concatenation is the join (path.join normalises the whole
  // path each time, for every file of a folder).
  const prefix = path.join(dir, path.sep);
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!keep(d.name)) continue;
    const abs = prefix + d.name;
    // A link counts as what it points to; a FIFO or socket is not a file (reading it would block).
    const st = d.isSymbolicLink() ? statSync(abs) : d;
    if (st.isDirectory()) {
      for (const f of walkFiles(abs, seen, keep)) out.push(f);
    } else if (st.isFile()) out.push(abs);
  }
  return out;
}

function notDotted(name: string): boolean {
  return !name.startsWith('.');
}
