import type { IncomingMessage, ServerResponse } from 'node:http';
import { CACHE_STATE } from './handle-request.js';

/**
 * `--log`: one line per request once its response is done (or abandoned by the client):
 * `GET /blog/x/ 200 HIT 0.4ms`. The cache state is `-` for files that are not ISR pages; a
 * `?secret=` in the URL is masked so the log never holds the webhook secret.
 */
export function logRequests(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  write: (line: string) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      const ms = (performance.now() - started).toFixed(1);
      const state = (res as ServerResponse & { [CACHE_STATE]?: string })[CACHE_STATE] ?? '-';
      const aborted = res.writableFinished ? '' : ' aborted';
      const url = (req.url ?? '').replace(/([?&]secret=)[^&]*/i, '$1***');
      write(`${req.method} ${url} ${res.statusCode} ${state} ${ms}ms${aborted}`);
    });
    handler(req, res);
  };
}
