/**
 * Writing a file to a response: ETag / 304, a single byte Range (206 / 416), gzip or brotli by
 * negotiation, and HEAD. Pure response plumbing: what to send was decided before.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { type Encoding, negotiate, variant } from './compress.js';
import { type DiskFile, isCached, type ServedFile } from './file-store.js';
import type { MemoryCache } from './memory-cache.js';

export interface SendOptions {
  status: number;
  /** Extra headers (Cache-Control, x-isr-cache, Location). */
  headers: OutgoingHttpHeaders;
  cache: MemoryCache;
}

const SUFFIX: Record<Encoding, string> = { br: '-br', gzip: '-gz' };

/** Send `file`. Returns synchronously when everything needed is in memory (the hot path). */
export function sendFile(req: IncomingMessage, res: ServerResponse, file: ServedFile, o: SendOptions): void | Promise<void> {
  const head = req.method === 'HEAD';
  const ok = o.status === 200;
  const headers: OutgoingHttpHeaders = { 'content-type': file.type, 'x-content-type-options': 'nosniff', ...o.headers };

  if (!isCached(file)) return sendFromDisk(req, res, file, o, headers, head);

  const compressible = file.compressible;
  if (compressible) headers.vary = 'Accept-Encoding';
  if (ok) {
    headers['accept-ranges'] = 'bytes';
    if (notModified(req, file.etag)) {
      end304(res, headers, file.etag);
      return;
    }
    const range = req.headers.range;
    if (range !== undefined && ifRangeHolds(req, file.etag)) {
      const r = parseRange(range, file.body.length);
      if (r === 'unsatisfiable') {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${file.body.length}`, 'content-length': 0 });
        res.end();
        return;
      }
      if (r) {
        headers.etag = file.etag;
        headers['content-range'] = `bytes ${r.start}-${r.end}/${file.body.length}`;
        headers['content-length'] = r.end - r.start + 1;
        res.writeHead(206, headers);
        res.end(head ? undefined : file.body.subarray(r.start, r.end + 1));
        return;
      }
    }
  }
  const enc = compressible ? negotiate(req.headers['accept-encoding'] as string | undefined) : undefined;
  if (enc) {
    const v = variant(file, enc, o.cache);
    if (v instanceof Promise) return v.then((b) => write(res, o.status, headers, file.etag, b ? enc : undefined, b ?? file.body, head));
    if (v) return write(res, o.status, headers, file.etag, enc, v, head);
  }
  write(res, o.status, headers, file.etag, undefined, file.body, head);
}

function write(
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  etag: string,
  enc: Encoding | undefined,
  body: Buffer,
  head: boolean,
): void {
  if (res.destroyed) return;
  if (enc) {
    headers['content-encoding'] = enc;
    headers.etag = `${etag.slice(0, -1) + SUFFIX[enc]}"`;
  } else headers.etag = etag;
  headers['content-length'] = body.length;
  res.writeHead(status, headers);
  res.end(head ? undefined : body);
}

function end304(res: ServerResponse, headers: OutgoingHttpHeaders, etag: string): void {
  delete headers['content-type'];
  headers.etag = etag;
  res.writeHead(304, headers);
  res.end();
}

function sendFromDisk(
  req: IncomingMessage,
  res: ServerResponse,
  file: DiskFile,
  o: SendOptions,
  headers: OutgoingHttpHeaders,
  head: boolean,
): void {
  const size = file.found.size;
  headers.etag = file.etag;
  let status = o.status;
  let range: { start: number; end: number } | undefined;
  if (status === 200) {
    headers['accept-ranges'] = 'bytes';
    if (notModified(req, file.etag)) {
      end304(res, headers, file.etag);
      return;
    }
    if (req.headers.range !== undefined && ifRangeHolds(req, file.etag)) {
      const r = parseRange(req.headers.range, size);
      if (r === 'unsatisfiable') {
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
        res.end();
        return;
      }
      if (r) {
        range = r;
        status = 206;
        headers['content-range'] = `bytes ${r.start}-${r.end}/${size}`;
      }
    }
  }
  headers['content-length'] = range ? range.end - range.start + 1 : size;
  res.writeHead(status, headers);
  if (head || headers['content-length'] === 0) {
    res.end();
    return;
  }
  // pipeline destroys the file stream when the client goes away mid-response.
  pipeline(file.open(range), res, () => {});
}

/** If-None-Match: a match on the file's ETag in any encoding (weak comparison) means 304. */
export function notModified(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (typeof inm !== 'string' || !inm) return false;
  if (inm.trim() === '*') return true;
  const base = strip(etag);
  return inm.split(',').some((t) => strip(t.trim()) === base);
}

function strip(tag: string): string {
  let t = tag.startsWith('W/') ? tag.slice(2) : tag;
  if (t.endsWith('-br"')) t = `${t.slice(0, -4)}"`;
  else if (t.endsWith('-gz"')) t = `${t.slice(0, -4)}"`;
  return t;
}

/** If-Range with an ETag: the range applies only to that exact representation. */
function ifRangeHolds(req: IncomingMessage, etag: string): boolean {
  const ir = req.headers['if-range'];
  return ir === undefined || (typeof ir === 'string' && ir.trim() === etag);
}

/**
 * One `bytes=` range (`a-b`, `a-`, `-n`) clamped to `size`. Undefined means "ignore the header
 * and send it all" (several ranges, other units, garbage), as RFC 9110 allows.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}
