import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import { InternalError, IsrError, invariant } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { runSite } from '../../src/run/run-site.js';
import { type TempSite, tempSite } from '../helpers/site.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');

let site: TempSite | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await site?.cleanup();
  site = undefined;
});

/** What `reportError` writes to stderr, and the exit status it returns. */
function report(err: unknown, debug = false): { status: number; stderr: string } {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const status = reportError(err, debug);
  vi.restoreAllMocks();
  return { status, stderr };
}

describe('bugs are InternalErrors, known by their class', () => {
  it('invariant() throws an InternalError', () => {
    expect(() => invariant(1 > 2, 'one is more than two')).toThrow(InternalError);
  });

  it('a bug inside one page stops the run instead of being recorded as that page failing', async () => {
    site = await tempSite('blog');
    const config = await loadConfig(site.root);
    const bug = new InternalError('a state that cannot happen');
    const load = () => {
      throw bug;
    };
    // The resolved config is frozen: a copy whose post route's load() hits the bug.
    const buggy = { ...config, routes: config.routes.map((r) => (r.name === 'post' ? { ...r, load } : r)) };
    await expect(runSite(buggy, { mode: 'build', now: T0, logger: silentLogger(), command: 'test' })).rejects.toBe(bug);
  });

  it('the CLI prints an InternalError with its stack and exits 70', () => {
    const { status, stderr } = report(new InternalError('a state that cannot happen'));
    expect(status).toBe(70);
    expect(stderr).toMatch(/^isr: internal error \(please report it\): InternalError: a state that cannot happen\n\s+at /);
  });

  it('the CLI prints an expected error as one line, and its stack only with --debug', () => {
    const err = new IsrError('USAGE', '--port x: not a number', { hint: 'give a port' });
    expect(report(err)).toEqual({ status: 2, stderr: 'isr: --port x: not a number (give a port) [USAGE]\n' });
    const debug = report(err, true);
    expect(debug.status).toBe(2);
    expect(debug.stderr).toMatch(/^isr: --port x: not a number \(give a port\) \[USAGE\]\nIsrError: --port x: not a number\n\s+at /);
  });
});
