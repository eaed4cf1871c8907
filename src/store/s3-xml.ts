/**
 * The few XML shapes the S3 store reads and writes (internal): ListObjectsV2 results, DeleteObjects
 * requests and results, error bodies. They are flat, machine-written documents, so elements are
 * found by name with a regular expression and entities decoded; no XML library is needed.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : ENTITIES[e]!,
  );
}

export function encodeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** The text of every `<name>` element in `xml` (not nested in one another), decoded. */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!);
  return out;
}

/** The decoded text of the first `<name>` element, or undefined. */
export function text(xml: string, name: string): string | undefined {
  const el = elements(xml, name)[0];
  return el === undefined ? undefined : decodeXml(el);
}

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

/** One page of a ListObjectsV2 answer. */
export function parseListPage(xml: string): { objects: ListedObject[]; next?: string } {
  const objects = elements(xml, 'Contents').map((c) => ({
    key: text(c, 'Key') ?? '',
    etag: unquote(text(c, 'ETag') ?? ''),
    size: Number(text(c, 'Size') ?? 0),
  }));
  const truncated = text(xml, 'IsTruncated') === 'true';
  return { objects, next: truncated ? text(xml, 'NextContinuationToken') : undefined };
}

/** The body of a DeleteObjects request (quiet: the answer lists only the keys that failed). */
export function deleteRequestBody(keys: readonly string[]): string {
  const objects = keys.map((k) => `<Object><Key>${encodeXml(k)}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${objects}</Delete>`;
}

/** The keys a DeleteObjects answer says it could not delete, with S3's code for each. */
export function parseDeleteErrors(xml: string): { key: string; code: string; message: string }[] {
  return elements(xml, 'Error').map((e) => ({ key: text(e, 'Key') ?? '', code: text(e, 'Code') ?? '', message: text(e, 'Message') ?? '' }));
}

/** S3's error body: `<Error><Code>NoSuchBucket</Code><Message>…</Message></Error>`. */
export function parseError(xml: string): { code?: string; message?: string } {
  return { code: text(xml, 'Code'), message: text(xml, 'Message') || undefined };
}

/** An ETag without its quotes: the form isr keeps as a version and Ceph RGW wants in If-Match. */
export function unquote(etag: string): string {
  return etag.replace(/^(W\/)?"(.*)"$/, '$2');
}
