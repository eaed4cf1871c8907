/**
 * Dates as content writes them, read in the site's time zone (`site.timezone`, default UTC), and
 * written out for people, feeds and sitemaps. Jekyll and Hugo read a date without an offset
 * (`2024-05-01`, `2024-05-01 23:30`) as the site's local time, and so must isr: read as UTC, a post
 * dated late in the evening in Berlin gets the next day in its URL. Nothing here reads the
 * machine's time zone (a build must not depend on where it runs).
 */

/** A date written without an offset: date, optional time (`T` or a space), optional offset. */
// Month and day may have one digit, and the zone be `UTC` or `GMT` (Jekyll posts write both).
const DATE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** True when `zone` is a time zone this Node knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone, and the zone's offset from UTC then (minutes). */
export function zonedParts(date: Date, timeZone = 'UTC') {
  let f = partFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const { type, value } of f.formatToParts(date)) if (type !== 'literal') p[type] = Number(value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = p;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const offset = Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  return { year, month, day, hour, minute, second, offset };
}

/** The instant at which the clocks of `timeZone` show the given wall time. */
function fromWallTime(wallMs: number, timeZone: string): number {
  // UTC's offset is always 0: no formatter needed. Every date a listing reads goes through here
  // (front matter checks, permalinks), and the two formatToParts calls were ~8 µs a date, the
  // largest single cost of listing a 20k-file folder (BENCHMARKS.md, issue 18 item 2).
  if (timeZone === 'UTC') return wallMs;
  const first = wallMs - zonedParts(new Date(wallMs), timeZone).offset * 60000;
  const second = wallMs - zonedParts(new Date(first), timeZone).offset * 60000;
  return second;
}

/**
 * A date from front matter or data: a Date, epoch milliseconds, or a string such as
 * `2024-05-01`, `2024-05-01 10:00`, `2024-05-01T10:00:00+02:00` or `2024-05-01 10:00:00 +0200`
 * (Jekyll). Without an offset it is the site's local time. Undefined when it is none of these.
 */
export function parseDate(value: unknown, timeZone = 'UTC'): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.trim());
  if (!m) {
    // RFC 822 / RFC 2822 with a zone (`Wed, 01 May 2024 10:00:00 GMT`, from a feed or an API).
    if (/^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}(:\d{2})? (GMT|UTC|Z|[+-]\d{4})$/.test(value.trim())) {
      const t = Date.parse(value);
      return Number.isNaN(t) ? undefined : new Date(t);
    }
    return undefined;
  }
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(wall);
  // Date.UTC rolls 2024-02-30 over to March 1st: such a date was mistyped.
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59)
    return undefined;
  if (!zone) return new Date(fromWallTime(wall, timeZone));
  if (/^(z|utc|gmt)$/i.test(zone)) return check;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.replace(/[^0-9]/g, '');
  const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  return new Date(wall - offset * 60000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `+02:00`, `-05:30`, or `Z` for UTC (RFC 3339). */
function offsetText(minutes: number, colon = true): string {
  if (minutes === 0 && colon) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

/** The styles of `formatDate`. */
export type DateStyle = 'iso' | 'datetime' | 'rfc822' | 'long' | 'medium' | 'short';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A date in `style`, in `timeZone`: `iso` 2024-05-01; `datetime` 2024-05-01T10:00:00+02:00 (RFC
 * 3339: Atom `<updated>`, sitemap `<lastmod>`, `<time datetime>`); `rfc822` for RSS; `long`,
 * `medium`, `short` by `Intl` in `locale`. Undefined when `value` is not a date (see parseDate).
 */
export function formatDateIn(value: unknown, style: DateStyle, locale: string, timeZone: string): string | undefined {
  const d = parseDate(value, timeZone);
  if (!d) return undefined;
  if (style === 'iso' || style === 'datetime' || style === 'rfc822') {
    const p = zonedParts(d, timeZone);
    const day = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
    const time = `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
    if (style === 'iso') return day;
    if (style === 'datetime') return `${day}T${time}${offsetText(p.offset)}`;
    if (p.offset === 0) return d.toUTCString();
    const weekday = DAYS[new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()];
    return `${weekday}, ${pad(p.day)} ${MONTHS[p.month - 1]} ${p.year} ${time} ${offsetText(p.offset, false)}`;
  }
  const key = `${style}|${locale}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone });
    formatters.set(key, f);
  }
  return f.format(d);
}
