import { describe, expect, it } from 'vitest';
import { parseDate } from '../../src/dates.js';
import { formatDate } from '../../src/render/helpers.js';

const iso = (v: unknown, tz?: string) => parseDate(v, tz)?.toISOString();

describe('dates are read in the site time zone', () => {
  it('reads a date without an offset as the site zone local time, across summer time', () => {
    expect(iso('2024-05-01')).toBe('2024-05-01T00:00:00.000Z');
    expect(iso('2024-05-01', 'Europe/Berlin')).toBe('2024-04-30T22:00:00.000Z');
    expect(iso('2024-01-15 23:30', 'Europe/Berlin')).toBe('2024-01-15T22:30:00.000Z');
    expect(iso('2024-07-04T09:00:00', 'America/New_York')).toBe('2024-07-04T13:00:00.000Z');
  });

  it('keeps an explicit offset whatever the site zone (Jekyll writes "+0200" after a space)', () => {
    expect(iso('2024-05-01T10:00:00+02:00', 'Asia/Tokyo')).toBe('2024-05-01T08:00:00.000Z');
    expect(iso('2024-05-01 10:00:00 +0200', 'America/New_York')).toBe('2024-05-01T08:00:00.000Z');
    expect(iso('2024-05-01T10:00:00.000Z', 'Europe/Berlin')).toBe('2024-05-01T10:00:00.000Z');
    expect(iso('Wed, 01 May 2024 10:00:00 GMT')).toBe('2024-05-01T10:00:00.000Z');
    expect(iso('2016-03-10 12:00:00 UTC', 'Europe/Berlin')).toBe('2016-03-10T12:00:00.000Z');
    expect(iso('2016-3-7 9:05', 'UTC')).toBe('2016-03-07T09:05:00.000Z');
  });

  it('reads no date from words, impossible days or the machine-dependent forms', () => {
    for (const bad of ['someday', '2024-02-30', '2024-05-01 25:00', '', 'May 1, 2024', '05/01/2024', null, undefined, {}]) {
      expect(parseDate(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('formatDate', () => {
  it('formats in the given time zone: iso, datetime (RFC 3339), rfc822, long', () => {
    const berlin = { timeZone: 'Europe/Berlin' };
    // 23:30 UTC on April 30th is already May 1st in Berlin.
    expect(formatDate('2024-04-30T23:30:00Z', 'iso')).toBe('2024-04-30');
    expect(formatDate('2024-04-30T23:30:00Z', 'iso', 'en-US', berlin)).toBe('2024-05-01');
    expect(formatDate('2024-04-30T23:30:00Z', 'datetime')).toBe('2024-04-30T23:30:00Z');
    expect(formatDate('2024-04-30T23:30:00Z', 'datetime', 'en-US', berlin)).toBe('2024-05-01T01:30:00+02:00');
    expect(formatDate('2024-04-30T23:30:00Z', 'rfc822')).toBe('Tue, 30 Apr 2024 23:30:00 GMT');
    expect(formatDate('2024-04-30T23:30:00Z', 'rfc822', 'en-US', berlin)).toBe('Wed, 01 May 2024 01:30:00 +0200');
    expect(formatDate('2024-04-30T23:30:00Z', 'long', 'en-US', berlin)).toBe('May 1, 2024');
    expect(formatDate(new Date(0), 'iso')).toBe('1970-01-01');
  });

  it('throws for a value that is not a date instead of printing nothing', () => {
    expect(() => formatDate('someday')).toThrow('formatDate(): "someday" is not a date');
    expect(() => formatDate(undefined, 'iso')).toThrow('formatDate(): undefined is not a date');
  });
});
