/**
 * Path safety and file lookup for `isr serve`. A request path is decoded one segment at a time
 * and refused (400) when a segment could climb out of outDir or smuggle a separator; dotfiles
 * and temp files are hidden (404); and a file found on disk is served only when its real path
 * (symlinks followed) is still inside outDir.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_SUFFIX } from '../write/write-atomic.js';

/** Longest request path accepted (raw, before decoding). Longer ones get a 400. */
export const MAX_PATH_LENGTH = 2048;

export type ParsedPath =
  | { ok: true /** Decoded, "/"-joined: the manifest's key form (`/blog/hello/`). */; path: string; segments: string[] }
  | { ok: false; status: 400 | 404; reason: string };

/** Files a static host reads as configuration, never as content. */
const HIDDEN_AT_ROOT = new Set(['_headers', '_redirects']);

/**
 * Decode and check a raw request path (no query). Each segment is decoded on its own, so `%2f`
 * cannot merge two segments and `%2e%2e` is seen as the `..` it is.
 */
export function parseUrlPath(raw: string): ParsedPath {
  if (raw.length > MAX_PATH_LENGTH) return { ok: false, status: 400, reason: 'path too long' };
  if (raw.charCodeAt(0) !== 47 /* / */) return { ok: false, status: 400, reason: 'path must start with "/"' };
  if (raw.includes('\\')) return { ok: false, status: 400, reason: 'backslash in path' };
  const parts = raw.split('/');
  const segments: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    let seg = parts[i]!;
    if (seg.includes('%')) {
      try {
        seg = decodeURIComponent(seg);
      } catch {
        return { ok: false, status: 400, reason: 'malformed percent-encoding' };
      }
    }
    const last = i === parts.length - 1;
    if (seg === '' && !last) return { ok: false, status: 400, reason: 'empty path segment' };
    if (seg === '.' || seg === '..') return { ok: false, status: 400, reason: 'dot segment' };
    // eslint-disable-next-line no-control-regex
    if (/[/\\\x00-\x1f\x7f]/.test(seg)) return { ok: false, status: 400, reason: 'separator or control character in a segment' };
    if ((seg.startsWith('.') && seg !== '.well-known') || seg.endsWith(TEMP_SUFFIX))
      return { ok: false, status: 404, reason: 'hidden file' };
    if (i === 1 && last && HIDDEN_AT_ROOT.has(seg)) return { ok: false, status: 404, reason: 'host configuration file' };
    segments.push(seg);
  }
  return { ok: true, path: `/${segments.join('/')}`, segments };
}

/** A file of outDir found on disk. */
export interface FoundFile {
  /** outDir-relative, "/"-separated (the manifest's `file` form). */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export type Lookup =
  | { kind: 'file'; file: FoundFile }
  /** A folder with an index.html, asked for without its trailing slash. */
  | { kind: 'dir' }
  | undefined;

/**
 * Find what a decoded path names in outDir: a file, a folder's `index.html` (path ending in
 * "/"), or a folder that wants its trailing slash. `realOutDir` is outDir with symlinks resolved.
 */
export async function lookupPath(outDir: string, realOutDir: string, segments: readonly string[]): Promise<Lookup> {
  const dirRequest = segments.length === 0 || segments[segments.length - 1] === '';
  const clean = dirRequest ? segments.slice(0, -1) : segments;
  const rel = clean.join('/');
  if (dirRequest) {
    const file = await statInside(outDir, realOutDir, rel ? `${rel}/index.html` : 'index.html');
    return file ? { kind: 'file', file } : undefined;
  }
  const abs = resolveInside(outDir, rel);
  if (!abs) return undefined;
  const s = await stat(abs).catch(() => undefined);
  if (!s) return undefined;
  if (s.isDirectory()) return (await statInside(outDir, realOutDir, `${rel}/index.html`)) ? { kind: 'dir' } : undefined;
  return s.isFile() ? statInside(outDir, realOutDir, rel).then((f) => (f ? { kind: 'file', file: f } : undefined)) : undefined;
}

/** Stat an outDir-relative file, following symlinks only when they stay inside outDir. */
export async function statInside(outDir: string, realOutDir: string, rel: string): Promise<FoundFile | undefined> {
  const abs = resolveInside(outDir, rel);
  if (!abs) return undefined;
  try {
    const real = await realpath(abs);
    if (!real.startsWith(realOutDir + path.sep)) return undefined;
    const s = await stat(real);
    if (!s.isFile()) return undefined;
    return { rel, abs: real, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return undefined;
  }
}

function resolveInside(outDir: string, rel: string): string | undefined {
  const abs = path.resolve(outDir, rel);
  return abs.startsWith(outDir + path.sep) ? abs : undefined;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json',
  xml: 'application/xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  zip: 'application/zip',
};

/** Content-Type from the file extension; unknown types are offered as bytes, never sniffed. */
export function contentTypeOf(rel: string): string {
  const dot = rel.lastIndexOf('.');
  if (dot < 0 || dot < rel.lastIndexOf('/')) return 'application/octet-stream';
  return TYPES[rel.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** Worth compressing: text formats (already-compressed images, fonts and media are not). */
export function isCompressible(type: string): boolean {
  return /^text\/|\+json|\+xml|^application\/(json|xml|javascript|wasm)|^image\/svg/.test(type);
}
