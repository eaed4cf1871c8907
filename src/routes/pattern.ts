import { nativePattern } from '../did-you-mean.js';
import type { Params } from '../types.js';
import { PARAM, restParamOf, restValueProblem } from './rest-param.js';

/**
 * A compiled route pattern. `/blog/:slug/` is a directory-style HTML page written to
 * `blog/<slug>/index.html` and linked with a trailing slash; a pattern whose last segment has an
 * extension (`/feed.xml`, `/posts/:id.json`) is written to exactly that file.
 */
export interface Pattern {
  source: string;
  /** Param names in order. */
  names: string[];
  /** The rest param (`:path*`, one or more segments), if the pattern has one. */
  rest?: string;
  /** True when pages are `<dir>/index.html`. */
  directory: boolean;
  /** Content type of the output, from the extension (`text/html` for directory pages). */
  contentType: string;
  match(urlPath: string): Params | undefined;
  /** Concrete URL path for params; throws a `PatternError` naming the bad param. */
  fill(params: Params): string;
}

export class PatternError extends Error {
  constructor(
    message: string,
    /** What to write instead, when isr can tell. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * Longest path segment a param may fill, in bytes as UTF-8 (how it is named on disk). A file or
 * folder name is at most 255 bytes (NAME_MAX), and a page is first written under a temp name
 * about 40 bytes longer (`.<name>.<pid>.<token>.isr-tmp`): 200 keeps that under the limit.
 * Counting characters is not enough: "中" is one character and three bytes.
 */
export const MAX_SEGMENT_BYTES = 200;
/** Longest URL path a route's params may produce, in bytes as UTF-8. */
export const MAX_PATH_BYTES = 1024;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  webmanifest: 'application/manifest+json',
};

/**
 * `/news/[id]/` (Next.js, Astro) and `/news/{id}/` (OpenAPI, Hugo-ish) would be taken literally: a
 * route with no params, one page, exit 0 (and `/[...slug]/` one literal page, its paths()
 * ignored). Refused, with isr's spelling when it can be told (did-you-mean.ts#nativePattern).
 */
function checkForeignParams(source: string): void {
  if (!/\[[^\]]*\]|\{[^}]*\}|\*/.test(source)) return;
  const fixed = nativePattern(source);
  if (/\[\[?\.\.\.|\{\.\.\.|(^|\/)\*/.test(source)) {
    throw new PatternError(
      "uses a catch-all in another framework's syntax, which isr would take literally",
      fixed
        ? `did you mean "${fixed}"? (a rest param :name* matches one or more segments)`
        : 'write a rest param as :name*, e.g. "/docs/:path*/"',
    );
  }
  if (/\[|\{/.test(source)) {
    throw new PatternError(
      'names a param in [brackets] or {braces}, which would be taken literally',
      fixed ? `did you mean "${fixed}"?` : 'write params as :name, e.g. "/news/:id/"',
    );
  }
}

export function compilePattern(source: string): Pattern {
  if (!source.startsWith('/')) throw new PatternError(`must start with "/"`);
  checkForeignParams(source);
  // A `*` only as the mark of a rest param (`:path*`).
  if (/[?#\\]/.test(source) || /\*/.test(source.replace(PARAM, '')) || source.includes('//'))
    throw new PatternError(`may not contain ?, #, \\ or //, nor * but in a rest param (:name*)`);
  const segments = source.split('/').slice(1);
  for (const seg of segments) {
    if (seg === '.' || seg === '..') throw new PatternError(`may not contain "." or ".." segments`);
    if (Buffer.byteLength(seg) > MAX_SEGMENT_BYTES) throw new PatternError(`has a segment over ${MAX_SEGMENT_BYTES} bytes`);
  }
  const rest = restParamOf(source);
  if (rest.problem) throw new PatternError(rest.problem);
  const last = segments[segments.length - 1] ?? '';
  const ext = /\.([A-Za-z0-9]+)$/.exec(last)?.[1]?.toLowerCase();
  const directory = !ext;
  const names = [...source.matchAll(PARAM)].map((m) => m[1]!);
  if (new Set(names).size !== names.length) throw new PatternError(`repeats a param name`);
  // Canonical form: directory pages always end with "/".
  const canonical = directory && !source.endsWith('/') ? `${source}/` : source;
  const problemOf = (name: string, value: string) => (name === rest.name ? restValueProblem(value, checkSegment) : checkParam(value));
  // split() with PARAM's two groups gives [text, name, star, text, name, star, …].
  const regex = new RegExp(
    '^' +
      canonical
        .split(PARAM)
        .map((part, i) =>
          i % 3 === 1 ? (part === rest.name ? '(.+)' : '([^/]+)') : i % 3 === 2 ? '' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('') +
      '$',
  );
  return {
    source: canonical,
    names,
    rest: rest.name,
    directory,
    contentType: directory ? TYPES.html! : (TYPES[ext!] ?? 'application/octet-stream'),
    match(urlPath) {
      const m = regex.exec(urlPath);
      if (!m) return undefined;
      const params: Params = {};
      names.forEach((n, i) => {
        params[n] = m[i + 1]!;
      });
      for (const n of names) if (problemOf(n, params[n]!)) return undefined;
      if (sizeProblem(urlPath)) return undefined;
      return params;
    },
    fill(params) {
      const filled = canonical.replace(PARAM, (_all, name: string) => {
        const value = params[name];
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new PatternError(`param "${name}" is missing (got ${JSON.stringify(params)})`);
        }
        const problem = problemOf(name, String(value));
        if (problem)
          throw new PatternError(
            `param "${name}" = ${JSON.stringify(value)} ${problem}`,
            problem === 'contains a slash'
              ? `a param holds one segment; for several, make it a rest param: "${restHint(canonical, name)}"`
              : undefined,
          );
        return String(value);
      });
      const size = sizeProblem(filled);
      if (size) {
        // Name the params of the segment at fault (a segment may hold literal text and params).
        const inSeg =
          size.segment === undefined ? names : [...patternSegmentOf(canonical, filled, size.segment).matchAll(PARAM)].map((m) => m[1]!);
        throw new PatternError(`param ${inSeg.map((n) => `"${n}"`).join(', ')} ${size.problem}`);
      }
      return filled;
    },
  };
}

/**
 * The pattern segment that filled segment `i` of `filled`: the same index, but past a rest param
 * (which fills several) counted from the end.
 */
function patternSegmentOf(canonical: string, filled: string, i: number): string {
  const pattern = canonical.split('/');
  const restAt = pattern.findIndex((seg) => /^:\w+\*$/.test(seg));
  if (restAt < 0 || i < restAt) return pattern[i] ?? '';
  return pattern[pattern.length - (filled.split('/').length - i)] ?? '';
}

/** A rest param's segment: a one-segment param's rules, and its length in bytes (see MAX_SEGMENT_BYTES). */
function checkSegment(segment: string): string | undefined {
  const bytes = Buffer.byteLength(segment);
  if (bytes > MAX_SEGMENT_BYTES) return `is ${bytes} bytes as UTF-8 (at most ${MAX_SEGMENT_BYTES})`;
  return checkParam(segment);
}

/** Why a URL path is too long to be a page (see MAX_SEGMENT_BYTES), or undefined when it fits. */
export function pathSizeProblem(urlPath: string): string | undefined {
  const size = sizeProblem(urlPath);
  return size?.problem.replace(/^makes/, 'has');
}

/**
 * Why a filled URL path is too long to be written (a segment over MAX_SEGMENT_BYTES, the whole
 * over MAX_PATH_BYTES), with the index of the segment at fault; undefined when it fits.
 */
function sizeProblem(urlPath: string): { problem: string; segment?: number } | undefined {
  const total = Buffer.byteLength(urlPath);
  // ASCII-only and short: every segment fits (the common case costs one byteLength).
  if (total <= MAX_SEGMENT_BYTES) return undefined;
  const segs = urlPath.split('/');
  for (let i = 0; i < segs.length; i++) {
    const bytes = Buffer.byteLength(segs[i]!);
    if (bytes > MAX_SEGMENT_BYTES)
      return { problem: `makes a path segment of ${bytes} bytes as UTF-8 (at most ${MAX_SEGMENT_BYTES})`, segment: i };
  }
  if (total > MAX_PATH_BYTES) return { problem: `makes a path of ${total} bytes as UTF-8 (at most ${MAX_PATH_BYTES})` };
  return undefined;
}

/** The pattern with `:name` made a rest param, for the hint of a value with slashes. */
function restHint(canonical: string, name: string): string {
  return canonical.replace(new RegExp(`:${name}(?![\\w*])`), `:${name}*`);
}

/** Why a param value cannot be a path segment, or undefined when it can. */
function checkParam(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value === '.' || value === '..' || value.includes('..')) return 'contains ".."';
  if (/[/\\]/.test(value)) return 'contains a slash';
  if (/[\0-\x1f]/.test(value)) return 'contains a control character';
  return undefined;
}

/** The output file of a URL path, relative to outDir, with "/" separators. */
export function outputFileFor(urlPath: string, directory: boolean): string {
  const rel = urlPath.replace(/^\/+/, '');
  return directory ? `${rel}index.html` : rel;
}
