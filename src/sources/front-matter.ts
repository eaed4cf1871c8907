import { createRequire } from 'node:module';
import { IsrError } from '../errors.js';
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
  if (!open) return { data: {}, body: src };
  const rest = src.slice(open[0].length);
  const close = CLOSE.exec(rest);
  if (!close) {
    throw new IsrError('FRONT_MATTER', 'front matter opened with "---" is never closed', { file, line: 1, hint: 'add a closing "---" line' });
  }
  // A copy, not a slice: V8 keeps a sliced string's whole parent alive, so every value parsed
  // from the block (a title) would hold the entire file in memory for as long as the front
  // matter is cached (the whole run: 1.1 KB a file instead of ~100 bytes; 110 MB at 100k files).
  const yaml = flatCopy(rest.slice(0, close.index));
  const body = rest.slice(close.index + close[0].length);
  return { data: parseYamlObject(yaml, file, 1), body };
}

function flatCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Parse YAML that must be a mapping (front matter, `.yaml` data files). `lineOffset` maps lines back. */
export function parseYamlObject(yaml: string, file: string, lineOffset = 0): Record<string, unknown> {
  const simple = parseSimpleYaml(yaml);
  if (simple) return simple;
  let data: unknown;
  try {
    data = yamlLibrary().parse(yaml);
  } catch (err) {
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
