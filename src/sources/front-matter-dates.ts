import { parseDate } from '../dates.js';
import { IsrError } from '../errors.js';

/** Front matter keys that hold dates in Jekyll, Hugo and Eleventy content. */
const DATE_KEYS = ['date', 'lastmod', 'updated', 'publishDate', 'expiryDate'];

/**
 * Refuse a front matter date isr cannot read (`date: someday`, `date: 2024-02-30`), at the file
 * and line that wrote it. Found here, it stops the run before anything is published (FRONT_MATTER,
 * exit 5); found by `formatDate` in a template, it would fail every page that shows the entry, with
 * the template's line rather than the content's.
 */
export function checkFrontMatterDates(data: Record<string, unknown>, text: string, file: string): void {
  for (const key of DATE_KEYS) {
    const value = data[key];
    if (typeof value !== 'string' || parseDate(value)) continue;
    const at = new RegExp(`^["']?${key}["']?\\s*[:=]`, 'm').exec(text);
    throw new IsrError('FRONT_MATTER', `${key} ${JSON.stringify(value)} is not a date`, {
      file,
      line: at ? text.slice(0, at.index).split('\n').length : 1,
      hint: 'write it as 2024-05-01, 2024-05-01 10:00 or 2024-05-01T10:00:00+02:00',
    });
  }
}
