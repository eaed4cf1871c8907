import type { Params } from '../types.js';

/**
 * A compiled route pattern. `/blog/:slug/` is a directory-style HTML page written to
 * `blog/<slug>/index.html` and linked with a trailing slash; a pattern whose last segment has an
 * extension (`/feed.xml`, `/posts/:id.json`) is written to exactly that file.
 */
export interface Pattern {
  source: string;
  /** Param names in order. */
  names: string[];
  /** True when pages are `<dir>/index.html`. */
  directory: boolean;
  /** Content type of the output, from the extension (`text/html` for directory pages). */
  contentType: string;
  match(urlPath: string): Params | undefined;
  /** Concrete URL path for params; throws a `PatternError` naming the bad param. */
  fill(params: Params): string;
}

export class PatternError extends Error {}

const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

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

export function compilePattern(source: string): Pattern {
  if (!source.startsWith('/')) throw new PatternError(`must start with "/"`);
  if (/[?#*\\]/.test(source) || source.includes('//')) throw new PatternError(`may not contain ?, #, *, \\ or //`);
  const segments = source.split('/').slice(1);
  for (const seg of segments) {
    if (seg === '.' || seg === '..') throw new PatternError(`may not contain "." or ".." segments`);
  }
  const last = segments[segments.length - 1] ?? '';
  const ext = /\.([A-Za-z0-9]+)$/.exec(last)?.[1]?.toLowerCase();
  const directory = !ext;
  const names = [...source.matchAll(PARAM)].map((m) => m[1]!);
  if (new Set(names).size !== names.length) throw new PatternError(`repeats a param name`);
  // Canonical form: directory pages always end with "/".
  const canonical = directory && !source.endsWith('/') ? `${source}/` : source;
  const regex = new RegExp(
    '^' +
      canonical
        .split(PARAM)
        .map((part, i) => (i % 2 === 1 ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
  );
  return {
    source: canonical,
    names,
    directory,
    contentType: directory ? TYPES.html! : (TYPES[ext!] ?? 'application/octet-stream'),
    match(urlPath) {
      const m = regex.exec(urlPath);
      if (!m) return undefined;
      const params: Params = {};
      names.forEach((n, i) => (params[n] = m[i + 1]!));
      for (const n of names) if (checkParam(params[n]!)) return undefined;
      return params;
    },
    fill(params) {
      return canonical.replace(PARAM, (_all, name: string) => {
        const value = params[name];
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new PatternError(`param "${name}" is missing (got ${JSON.stringify(params)})`);
        }
        const problem = checkParam(String(value));
        if (problem) throw new PatternError(`param "${name}" = ${JSON.stringify(value)} ${problem}`);
        return String(value);
      });
    },
  };
}

/** Why a param value cannot be a path segment, or undefined when it can. */
function checkParam(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value === '.' || value === '..' || value.includes('..')) return 'contains ".."';
  if (/[/\\]/.test(value)) return 'contains a slash';
  if (/[\0-\x1f]/.test(value)) return 'contains a control character';
  if (value.length > 200) return 'is longer than 200 characters';
  return undefined;
}

/** The output file of a URL path, relative to outDir, with "/" separators. */
export function outputFileFor(urlPath: string, directory: boolean): string {
  const rel = urlPath.replace(/^\/+/, '');
  return directory ? `${rel}index.html` : rel;
}
