/**
 * Content-encoding negotiation and on-the-fly compression. A file is compressed once per
 * encoding and the result kept with it in the memory cache; concurrent first requests share
 * the one compression in flight.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { CachedFile, MemoryCache } from './memory-cache.js';

export type Encoding = 'br' | 'gzip';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Smaller than this, the headers outweigh the saving. */
export const MIN_COMPRESS_BYTES = 256;

// Browsers send a handful of distinct Accept-Encoding values; parse each once.
const negotiated = new Map<string, Encoding | undefined>();

/** The best encoding the client accepts (q > 0): brotli, then gzip, else identity (undefined). */
export function negotiate(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const known = negotiated.get(header);
  if (known !== undefined || negotiated.has(header)) return known;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const accepts = (enc: string) => (q.get(enc) ?? q.get('*') ?? 0) > 0;
  const result: Encoding | undefined = accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : undefined;
  if (negotiated.size > 256) negotiated.clear();
  negotiated.set(header, result);
  return result;
}

/**
 * The bytes of `file` in `encoding`, compressing (once) when not cached yet. Returns undefined
 * when compression does not pay (tiny or incompressible file, or no smaller result).
 */
export function variant(file: CachedFile, encoding: Encoding, cache: MemoryCache): Buffer | Promise<Buffer | undefined> | undefined {
  if (!file.compressible || file.body.length < MIN_COMPRESS_BYTES) return undefined;
  const have = file[encoding];
  if (Buffer.isBuffer(have)) return have.length < file.body.length ? have : undefined;
  if (have) return have.then((b) => (b.length < file.body.length ? b : undefined));
  const pending = (
    encoding === 'br'
      ? brotli(file.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6, [constants.BROTLI_PARAM_SIZE_HINT]: file.body.length } })
      : gz(file.body, { level: 6 })
  ).then(
    (out) => {
      file[encoding] = out;
      cache.grew(file, out.length);
      return out;
    },
    () => {
      // Not worth failing a request over: serve identity and let a later request try again.
      file[encoding] = undefined;
      return file.body;
    },
  );
  file[encoding] = pending;
  return pending.then((b) => (b.length < file.body.length ? b : undefined));
}
