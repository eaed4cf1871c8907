/**
 * Keeping the webhook secret out of logs. A request URL is logged (`--log`, internal errors)
 * only after `maskUrl`: every query parameter whose name, percent-decoded and in any case, is
 * `secret` has its value replaced by `***` (the webhook reads only the exact name `secret`, but a
 * client's `?SECRET=` or `?%73ecret=` may still carry it), and any other part of the URL that
 * holds the secret's value, however it is encoded, is replaced by `***` as well.
 */

/** The query parameter the webhook reads the secret from (exact, undecoded name). */
export const SECRET_PARAM = 'secret';

export function maskUrl(url: string, secret: string | undefined): string {
  const qi = url.indexOf('?');
  const holds = (raw: string) =>
    Boolean(secret) && (looseDecode(raw).includes(secret!) || looseDecode(raw.replace(/\+/g, ' ')).includes(secret!));
  const path = (qi < 0 ? url : url.slice(0, qi))
    .split('/')
    .map((seg) => (holds(seg) ? '***' : seg))
    .join('/');
  const query =
    qi < 0
      ? undefined
      : url
          .slice(qi + 1)
          .split('&')
          .map((part) => {
            const eq = part.indexOf('=');
            const name = eq < 0 ? part : part.slice(0, eq);
            if (looseDecode(name.replace(/\+/g, ' ')).trim().toLowerCase() === SECRET_PARAM) return `${name}=***`;
            if (holds(name)) return '***';
            return eq >= 0 && holds(part.slice(eq + 1)) ? `${name}=***` : part;
          })
          .join('&');
  const out = query === undefined ? path : `${path}?${query}`;
  if (!holds(out)) return out;
  // The secret spans parts (it holds "/", "&" or "="): withhold every part that could hold it.
  return `${holds(path) ? '/***' : path}${query === undefined ? '' : '?***'}`;
}

/** The `secret` query parameter as the webhook reads it: exact name, first one wins. */
export function secretParam(query: string): string | undefined {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq) !== SECRET_PARAM) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Percent-decoding that never throws: each run of `%XX` becomes its bytes, read as UTF-8. */
function looseDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}
