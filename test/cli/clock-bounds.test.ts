import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NOW, MIN_NOW, parseNow } from '../../src/clock.js';
import { fileClock } from '../../src/serve/now-file.js';
import { builtOnce } from '../helpers/built-once.js';
import { snapshot } from '../helpers/files.js';
import type { CliResult, TempSite } from '../helpers/site.js';

/**
 * The clock is an outside input: ISR_NOW, ISR_NOW_FILE and the times a manifest holds are checked
 * for format and range (2000-01-01..2200-01-01), so an absurd time can neither be written into the
 * manifest nor make `isr status` crash.
 */
const T0 = Date.parse('2026-06-01T00:00:00Z');
const WAY_OUT = 'delete .isr/manifest.json and .isr/manifest-pages/ and run `isr build`';

const built = builtOnce('blog', { now: T0 });
let site: TempSite;

function oneLine(r: CliResult): string {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** Rewrite the first `"builtAt":<n>` of the site's first manifest shard with `value`. */
async function setBuiltAt(value: string): Promise<void> {
  const dir = path.join(site.root, '.isr/manifest-pages');
  const [shard] = await readdir(dir);
  const rel = `.isr/manifest-pages/${shard}`;
  const text = await site.read(rel);
  await site.write(rel, text.replace(/"builtAt":\d+/, `"builtAt":${value}`));
}

describe('ISR_NOW', () => {
  for (const value of [
    '99999999999999999999',
    '-1',
    ' 1 ',
    '1',
    '1780000000',
    '1e20',
    '2026-06-01T00:00:00Z ',
    'March 7, 2026',
    '2300-01-01',
  ]) {
    it(`refuses ${JSON.stringify(value)} with exit 2, one line, nothing written`, async () => {
      site = await built.copy();
      const before = await snapshot(site.root);
      const r = await site.run(['regen', '--all'], { now: value });
      expect(r.code).toBe(2);
      expect(oneLine(r)).toMatch(
        /^isr: ISR_NOW: .*(expected an ISO 8601 date or epoch milliseconds|is outside 2000-01-01\.\.2200-01-01).* \[USAGE\]$/,
      );
      expect(await snapshot(site.root)).toEqual(before);
    });
  }

  it('accepts epoch milliseconds and ISO dates inside the range', () => {
    expect(parseNow(String(T0))).toBe(T0);
    expect(parseNow('2026-06-01T00:00:00Z')).toBe(T0);
    expect(parseNow('2026-06-01T02:00:00+02:00')).toBe(T0);
    expect(parseNow('2026-06-01')).toBe(T0);
    expect(parseNow(String(MIN_NOW))).toBe(MIN_NOW);
    expect(() => parseNow(String(MAX_NOW))).toThrow(/outside/);
  });
});

describe('a manifest holding an impossible time', () => {
  for (const value of ['1e20', '-5', '1e999']) {
    it(`is corrupt (exit 6 with the way out) for builtAt ${value}, in status and regen`, async () => {
      site = await built.copy();
      await setBuiltAt(value);
      const status = await site.run(['status'], { now: T0 });
      expect(status.code).toBe(6);
      expect(oneLine(status)).toMatch(/holds an impossible time or revalidate/);
      expect(status.stderr).toContain(WAY_OUT);
      const regen = await site.run(['regen', '--all'], { now: T0 });
      expect(regen.code).toBe(6);
      expect(oneLine(regen)).toContain(WAY_OUT);
    });
  }

  it('is corrupt when the head holds one (updatedAt)', async () => {
    site = await built.copy();
    const head = await site.read('.isr/manifest.json');
    await site.write('.isr/manifest.json', head.replace(/"updatedAt": \d+/, '"updatedAt": 1e300'));
    const r = await site.run(['status'], { now: T0 });
    expect(r.code).toBe(6);
    expect(oneLine(r)).toContain('"updatedAt" is not a possible time');
  });
});

describe('isr status', () => {
  it('says how long pages are overdue when every page with a timer is due, not "no page has a timer"', async () => {
    const r = await built.site.run(['status'], { now: '2030-01-01T00:00:00Z' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('no page has a revalidate timer');
    expect(r.stdout).toMatch(/^\d+ due now \(overdue since 2026-06-01T00:\d\d:00\.000Z\)$/m);
    expect(r.stdout).toContain('next expiry: none later (every page with a timer is due now; run `isr regen`)');
  });
});

describe('a revalidate of millennia', () => {
  it('is built, planned and summarised without a RangeError (status never exits 70 on data)', async () => {
    site = await built.copy();
    const config = await site.read('isr.config.mjs');
    await site.write('isr.config.mjs', config.replace('revalidate: 3600,', 'revalidate: 1e13,'));
    expect((await site.run(['regen', '--all', '--quiet'], { now: T0 + 1000 })).code).toBe(0);
    // The home page (revalidate 600) is due; every other timer is beyond what a Date can hold.
    const status = await site.run(['status', '--json'], { now: T0 + 700_000 });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ pages: 13, due: 2, nextExpiry: null });
    expect((await site.run(['regen'], { now: T0 + 3000 })).code).toBe(0);
  });
});

describe('ISR_NOW_FILE', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'isr-now-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses a bad value at start as a usage error naming the file', async () => {
    const file = path.join(dir, 'bad');
    await writeFile(file, '99999999999999999999\n');
    expect(() => fileClock(file)()).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/^ISR_NOW_FILE .*bad: .* is outside/) }),
    );
  });

  it('keeps the last good time on a bad value once serving, and warns once per bad value', async () => {
    const file = path.join(dir, 'now');
    const warnings: string[] = [];
    await writeFile(file, `${T0}\n`);
    const clock = fileClock(file, (m) => warnings.push(m));
    expect(clock()).toBe(T0);
    await writeFile(file, '-1');
    expect(clock()).toBe(T0);
    expect(clock()).toBe(T0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /ISR_NOW_FILE .*now: expected an ISO 8601 date or epoch milliseconds, found "-1" .*; keeping 2026-06-01T00:00:00.000Z$/,
    );
    await writeFile(file, String(T0 + 5000));
    expect(clock()).toBe(T0 + 5000);
  });
});
