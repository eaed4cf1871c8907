import { readFileSync } from 'node:fs';
import { parseNow, type Clock } from '../clock.js';
import { IsrError } from '../errors.js';

/**
 * A clock that reads "now" from a file (`ISR_NOW_FILE`), for tests that move time in a server
 * running as a subprocess: write a new ISO date or epoch ms to the file, and the next request
 * sees it. The server calls its clock once per request, so the file is read at most that often;
 * this costs a read per request and is a testing aid only.
 */
export function fileClock(file: string): Clock {
  let last: number | undefined;
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
    if (!text.trim() && last !== undefined) return last;
    last = parseNow(text);
    return last;
  };
}
