/**
 * How the `files` source reads its folder: the listing (a walk, or a glob for custom `include`
 * patterns), one file read and parsed by its kind, the stat signature that says a file is
 * unchanged, and the split of a file into what a listing shows and the rest (change detection).
 * Internal to sources/files.ts.
 */
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { IsrError, isrError } from '../errors.js';
import { importModule } from '../import-module.js';
import { walkFiles } from '../walk-files.js';
import { frontMatterEnd, parseFrontMatter, parseYamlObject } from './front-matter.js';
import { checkFrontMatterDates } from './front-matter-dates.js';
import { type SplitFile, statLine } from './snapshot.js';

/** The default `include`: every .md, .markdown, .json, .yaml and .yml file (case as written). */
export const CONTENT_FILE = /\.(?:md|markdown|json|yaml|yml)$/;

/**
 * One file read and parsed (or refused: `error`, with empty `data`); `sig`: its stat when read;
 * `stat`: the stat line its data was taken from the front-matter cache under (no body then).
 */
export type Parsed = { data: Record<string, any>; body?: string; error?: IsrError; sig?: string; stat?: string };

/** The folder's content files, absolute and sorted; CONTENT_UNREADABLE if the folder is not there. */
export async function listContent(absDir: string, include: string[] | undefined, dirRel: string): Promise<string[]> {
  const hint = 'check the folder exists and is readable (files({ dir }) is relative to the site root)';
  // fast-glob finds nothing in a missing folder without an error: a mistyped `dir`, or a CI
  // checkout without the content, would then read as "every entry was deleted" and remove pages.
  const st = await stat(absDir).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error || !st.isDirectory()) {
    const why = st instanceof Error ? (st.code === 'ENOENT' ? 'it does not exist' : st.message) : 'it is not a folder';
    throw isrError('CONTENT_UNREADABLE', [`content folder ${dirRel}`, why], { hint });
  }
  try {
    if (!include)
      return walkFiles(absDir)
        .filter((f) => CONTENT_FILE.test(f))
        .sort();
    // Imported here: only custom `include` patterns need a glob library.
    const { default: fg } = await importModule<{ default: typeof import('fast-glob') }>('fast-glob');
    const found = await fg(include, {
      cwd: absDir,
      absolute: true,
      onlyFiles: true,
      suppressErrors: false,
      throwErrorOnBrokenSymbolicLink: true,
    });
    return found.sort();
  } catch (err) {
    throw isrError('CONTENT_UNREADABLE', [`content folder ${dirRel}`, (err as Error).message], { hint });
  }
}

/**
 * A file as change detection splits it: a Markdown file's front matter (what list() gives) and its
 * body; any other file is all front matter (JSON and YAML files are data through and through).
 */
export const splitShown: SplitFile = (bytes, key) => {
  if (!/\.(md|markdown)$/i.test(key)) return [bytes, ''];
  const text = bytes.toString('utf8');
  const end = frontMatterEnd(text);
  return [text.slice(0, end), text.slice(end)];
};

/**
 * What says a file's bytes are unchanged: size, mtime, ctime and inode (statLine: the form of
 * sources/snapshot.ts's lines, so change detection's stats serve list() too). ctime because an in-place write that keeps the size and puts
 * the mtime back (`touch -d`, a tool preserving times) changes nothing else; ctime cannot be set
 * back. Undefined when the file cannot be stat'ed.
 */
export function statSignature(abs: string): string | undefined {
  try {
    return signatureOf(statSync(abs));
  } catch {
    return undefined;
  }
}
const signatureOf = statLine;

/** The data of a file, for resourceUrl (an index file's permalink). */
export const readData = (abs: string, rel: string) => readParsed(abs, rel).data;

export function readParsed(abs: string, rel: string): Parsed {
  const { text, sig } = readText(abs, rel);
  return { ...parseText(abs, rel, text), sig };
}

function readText(abs: string, rel: string): { text: string; sig: string } {
  try {
    // Synchronous: a local file of a few KB reads in microseconds, while the promise API pays a
    // thread-pool round trip for each of open, stat, read and close (and list() would open every
    // file of the folder at once, past the fd limit on a large site). See BENCHMARKS.md. By the
    // descriptor: the stat of exactly the bytes read, for the next run's reuse (an fstat of an
    // open file, not a second lookup of the path).
    const fd = openSync(abs, 'r');
    try {
      const sig = signatureOf(fstatSync(fd));
      return { text: readFileSync(fd, 'utf8'), sig };
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw err;
    throw isrError('CONTENT_UNREADABLE', [rel, code ?? (err as Error).message], { file: rel });
  }
}

function parseText(abs: string, rel: string, text: string): Parsed {
  if (/\.(md|markdown)$/i.test(abs)) {
    const fm = parseFrontMatter(text, rel);
    checkFrontMatterDates(fm.data, text, rel);
    return { data: fm.data, body: fm.body };
  }
  if (/\.json$/i.test(abs)) {
    try {
      return { data: JSON.parse(text) };
    } catch (err) {
      throw new IsrError('FRONT_MATTER', `invalid JSON: ${(err as Error).message}`, { file: rel, hint: 'fix the JSON syntax' });
    }
  }
  return { data: parseYamlObject(text, rel) };
}
