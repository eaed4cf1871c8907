import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { IsrError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * Front matter other than `---` YAML: `+++` TOML (Hugo), a leading `{ … }` JSON object (Hugo) and
 * `---json` (Eleventy). A first line that looks like a fence isr does not read (`;;;`, `---js`,
 * `++++`) is an error: taken as body text, its `draft = true` was published and its keys shown.
 */

const require = createRequire(import.meta.url);
type Toml = typeof import('smol-toml');
let toml: Toml | undefined;
/**
 * smol-toml as built into dist/vendor/ (scripts/build.mjs; it is a devDependency, as markdown-it
 * is), or the package when running from src/ unbuilt. Loaded on the first `+++` file only.
 */
function tomlLibrary(): Toml {
  if (toml) return toml;
  const vendored = path.join(PACKAGE_ROOT, 'dist', 'vendor', 'smol-toml.cjs');
  toml = require(existsSync(vendored) ? vendored : 'smol-toml') as Toml;
  return toml;
}

/** A fence on the first line: which format, and the text after it. */
export type Fenced = { format: 'toml' | 'json'; block: string; body: string; blockLine: number } | undefined;

const TOML_OPEN = /^\+\+\+[ \t]*\r?\n/;
const TOML_CLOSE = /(?:^|\r?\n)\+\+\+[ \t]*(?:\r?\n|$)/;
const JSON_FENCE_OPEN = /^---json[ \t]*\r?\n/;
const YAML_CLOSE = /(?:^|\r?\n)---[ \t]*(?:\r?\n|$)/;
/** `{` then a key or `}`: a JSON object, not a body that opens with `{{< shortcode >}}` or `{% tag %}`. */
const JSON_OBJECT_OPEN = /^\{\s*["}]/;
/** Fences isr does not read: `;;;` (Hexo), `---js`, `---yaml`-like words, four or more `+`. */
const UNKNOWN_FENCE = /^(;;;+|\+{3,}\S+|-{3}[A-Za-z]\w*|\+{4,})[ \t]*\r?$/m;

/**
 * The TOML or JSON block at the start of `src`, or undefined when it starts with none (then `---`
 * YAML or no front matter). Throws FRONT_MATTER for an unclosed block or an unknown fence.
 */
export function splitFenced(src: string, file: string): Fenced {
  const toml = TOML_OPEN.exec(src);
  if (toml) return closed(src, toml[0].length, TOML_CLOSE, 'toml', '+++', file);
  const json = JSON_FENCE_OPEN.exec(src);
  if (json) return closed(src, json[0].length, YAML_CLOSE, 'json', '---', file);
  if (JSON_OBJECT_OPEN.test(src)) {
    const end = jsonObjectEnd(src);
    if (end < 0) {
      throw new IsrError('FRONT_MATTER', 'JSON front matter opened with "{" is never closed', {
        file,
        line: 1,
        hint: 'close the object with "}"',
      });
    }
    return { format: 'json', block: src.slice(0, end), body: src.slice(end).replace(/^[ \t]*\r?\n/, ''), blockLine: 1 };
  }
  const firstLine = /^[^\n]*/.exec(src)![0];
  const unknown = UNKNOWN_FENCE.exec(firstLine);
  if (unknown && !/^---[ \t]*\r?$/.test(firstLine)) {
    throw new IsrError('FRONT_MATTER', `front matter fence "${unknown[1]}" is not one isr reads`, {
      file,
      line: 1,
      hint: 'use "---" (YAML), "+++" (TOML) or a JSON object; JavaScript front matter is not run',
    });
  }
  return undefined;
}

function closed(src: string, start: number, close: RegExp, format: 'toml' | 'json', fence: string, file: string): Fenced {
  const rest = src.slice(start);
  const end = close.exec(rest);
  if (!end) {
    throw new IsrError('FRONT_MATTER', `front matter opened with "${src.slice(0, 3)}" is never closed`, {
      file,
      line: 1,
      hint: `add a closing "${fence}" line`,
    });
  }
  return { format, block: rest.slice(0, end.index), body: rest.slice(end.index + end[0].length), blockLine: 2 };
}

/** Index just past the `}` closing the object `src` opens with, or -1 (strings and escapes skipped). */
function jsonObjectEnd(src: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Parse a TOML or JSON front matter block into a plain mapping; errors name the file's line. */
export function parseFenced(fenced: NonNullable<Fenced>, file: string): Record<string, unknown> {
  const { format, block, blockLine } = fenced;
  let data: unknown;
  if (format === 'toml') {
    try {
      data = tomlLibrary().parse(block);
    } catch (err) {
      const e = err as Error & { line?: number };
      if (typeof e.line !== 'number') throw err;
      throw new IsrError('FRONT_MATTER', `invalid TOML: ${e.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '')}`, {
        file,
        line: blockLine + e.line - 1,
        hint: 'fix the TOML syntax',
      });
    }
  } else {
    try {
      data = JSON.parse(block);
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      const line = at ? blockLine + block.slice(0, Number(at[1])).split('\n').length - 1 : blockLine;
      throw new IsrError('FRONT_MATTER', `invalid JSON: ${(err as Error).message}`, { file, line, hint: 'fix the JSON syntax' });
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new IsrError('FRONT_MATTER', 'JSON front matter must be an object', {
        file,
        line: blockLine,
        hint: 'write it as { "title": "…" }',
      });
    }
  }
  return plain(data) as Record<string, unknown>;
}

/**
 * TOML's values as YAML front matter gives them: dates as the strings they were written as
 * (`2024-05-01`, `2024-05-01T10:00:00.000+02:00`; a Date would hash and serialise unlike the
 * YAML path), tables as ordinary objects rather than null-prototype ones.
 */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}
