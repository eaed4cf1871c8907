import { createRequire } from 'node:module';
import { IsrError } from '../errors.js';
import { parseFenced, splitFenced } from './front-matter-formats.js';
import { parseSimpleYaml } from './simple-yaml.js';

// The yaml library is loaded on first use: most front matter takes the fast path, and a run that
// reads no file (a regen with nothing due) does not compile it at start-up.
const require = createRequire(import.meta.url);
let yamlLib: typeof import('yaml') | undefined;
const yamlLibrary = () => (yamlLib ??= require('yaml') as typeof import('yaml'));

export interface FrontMatter {
  data: Record<string, unknown>;
  body: string;
}

const FENCE = /^---[ \t]*\r?\n/;
// `^` too: an empty block (`---` right after `---`) is valid front matter.
const CLOSE = /(?:^|\r?\n)---[ \t]*(?:\r?\n|$)/;

/**
 * Split `---` YAML front matter from a Markdown body. `file` is for error messages: a YAML error
 * points at the line in the Markdown file, not in the extracted block.
 */
export function parseFrontMatter(text: string, file: string): FrontMatter {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const open = FENCE.exec(src);
  if (!open) return parseOtherFrontMatter(src, file);
  const rest = src.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) {
    throw new IsrError('FRONT_MATTER', 'front matter opened with "---" is never closed', {
      file,
      line: 1,
      hint: 'add a closing "---" line',
    });
  }
  // A copy, not a slice: V8 keeps a sliced string's whole parent alive, so every value parsed
  // from the block (a title) would hold the entire file in memory for as long as the front
  // matter is cached (the whole run: 1.1 KB a file instead of ~100 bytes; 110 MB at 100k files).
  const yaml = flatCopy(rest.slice(0, close.index));
  const body = rest.slice(close.index + close[0].length);
  return { data: parseYamlObject(yaml, file, 1), body };
}

/** `+++` TOML, JSON, or no front matter (an unknown fence throws): front-matter-formats.ts. */
function parseOtherFrontMatter(src: string, file: string): FrontMatter {
  // The common case, a body with no fence at all, costs one character test.
  const c = src.charCodeAt(0);
  if (c !== 0x2b /* + */ && c !== 0x2d /* - */ && c !== 0x7b /* { */ && c !== 0x3b /* ; */) return { data: {}, body: src };
  const fenced = splitFenced(src, file);
  if (!fenced) return { data: {}, body: src };
  if (fenced.block.length > MAX_YAML_CHARS) {
    throw new IsrError('CONTENT_LIMIT', `front matter of ${fenced.block.length} characters, over the limit of ${MAX_YAML_CHARS}`, {
      file,
      line: 1,
      hint: 'move the data out of the front matter, or split the file',
    });
  }
  return { data: parseFenced({ ...fenced, block: flatCopy(fenced.block) }, file), body: fenced.body };
}

/**
 * Where the body of a Markdown text starts: after its closing `---` (0 without front matter; the
 * whole text if the block is never closed). For change detection: a change past this point is
 * not one a listing (front matter only) can show.
 */
export function frontMatterEnd(text: string): number {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const open = FENCE.exec(bom ? text.slice(1) : text);
  if (!open) return otherFrontMatterEnd(bom ? text.slice(1) : text) + bom;
  const from = bom + open[0].length;
  const close = CLOSE.exec(text.slice(from));
  return close ? from + close.index + close[0].length : text.length;
}

/**
 * The same for `+++` TOML and JSON front matter: without it a TOML title edit would count as a body
 * edit, and the listings that show the title would not run. A block that does not parse counts as
 * all front matter (the run then reports it).
 */
function otherFrontMatterEnd(text: string): number {
  try {
    const fenced = splitFenced(text, '');
    return fenced ? text.length - fenced.body.length : 0;
  } catch {
    return text.length;
  }
}

function flatCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/**
 * Bounds on the YAML handed to the library (front matter, `.yaml` data files): its length, and
 * how many alias expansions (`*name`) it may make. An alias bomb (a few lines whose aliases expand
 * to billions of nodes) is stopped by the count. Past either, the file is refused as a
 * CONTENT_LIMIT error: that file's pages fail, the run and the listing go on (files.ts).
 */
export const MAX_YAML_CHARS = 1024 * 1024;
export const MAX_YAML_ALIASES = 100;

/** Parse YAML that must be a mapping (front matter, `.yaml` data files). `lineOffset` maps lines back. */
export function parseYamlObject(yaml: string, file: string, lineOffset = 0): Record<string, unknown> {
  if (yaml.length > MAX_YAML_CHARS) {
    throw new IsrError('CONTENT_LIMIT', `YAML of ${yaml.length} characters, over the limit of ${MAX_YAML_CHARS}`, {
      file,
      line: lineOffset + 1,
      hint: 'move the data out of the front matter, or split the file',
    });
  }
  const simple = parseSimpleYaml(yaml);
  if (simple) return simple;
  let data: unknown;
  try {
    data = yamlLibrary().parse(yaml, { maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // The library's guard against alias expansion throws a ReferenceError, not a YAMLParseError.
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new IsrError('CONTENT_LIMIT', `YAML aliases expand past the limit of ${MAX_YAML_ALIASES} (an alias bomb?)`, {
        file,
        line: lineOffset + 1,
        hint: 'write the values out instead of repeating aliases',
      });
    }
    if (err instanceof yamlLibrary().YAMLParseError) {
      const line = (err.linePos?.[0]?.line ?? 1) + lineOffset;
      // yaml's own "at line N, column M" counts from the block, not the file: drop it, file:line says where.
      const message = err.message.split('\n')[0]!.replace(/\s*at line \d+, column \d+:?\s*$/, '');
      throw new IsrError('FRONT_MATTER', `invalid YAML: ${message}`, { file, line, hint: 'fix the YAML syntax' });
    }
    throw err;
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new IsrError('FRONT_MATTER', `expected YAML key: value pairs, found ${Array.isArray(data) ? 'a list' : typeof data}`, {
      file,
      line: lineOffset + 1,
      hint: 'front matter must be a mapping such as "title: Hello"',
    });
  }
  return data as Record<string, unknown>;
}
