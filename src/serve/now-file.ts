import { readFileSync } from 'node:fs';
import { type Clock, parseNow } from '../clock.js';
import { describeError, IsrError } from '../errors.js';

/**
 * A clock that reads "now" from a file (`ISR_NOW_FILE`), for tests that move time in a server
 * running as a subprocess: write a new ISO date or epoch ms to the file, and the next request
 * sees it. The server calls its clock once per request, so the file is read at most that often;
 * this costs a read per request and is a testing aid only.
 *
 * The value is checked as `ISR_NOW` is (parseNow: format and range). A bad value at start is a
 * usage error (the server does not start); once serving, a bad value (or a file being rewritten)
 * keeps the last good time and is reported once through `warn`: a clock that throws would fail
 * every request.
 */
export function fileClock(file: string, warn: (message: string) => void = () => {}): Clock {
  let last: number | undefined;
  let lastProblem = '';
  const what = `ISR_NOW_FILE ${file}`;
  return () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (last !== undefined) return last; // mid-rewrite by the test: keep the last time
      throw new IsrError('USAGE', `ISR_NOW_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        hint: 'point it at a file holding an ISO date or epoch milliseconds',
      });
    }
    // A file's trailing newline (`echo 1780000000000 > now`) is not part of the value.
    const value = text.trim();
    if (!value && last !== undefined) return last;
    try {
      last = parseNow(value, what);
      lastProblem = '';
    } catch (err) {
      if (last === undefined) throw err;
      const problem = describeError(err);
      if (problem !== lastProblem) warn(`${problem}; keeping ${new Date(last).toISOString()}`);
      lastProblem = problem;
    }
    return last;
  };
}
