import type { IncomingMessage, ServerResponse } from 'node:http';
import { CACHE_STATE } from './handle-request.js';
import { maskUrl } from './mask-secret.js';

/**
 * `--log`: one line per request once its response is done (or abandoned by the client):
 * `GET /blog/x/ 200 HIT 0.4ms`. The cache state is `-` for files that are not ISR pages. The URL
 * goes through `maskUrl` with the webhook secret in use (`secret()`), so the log never holds it.
 */
export function logRequests(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  write: (line: string) => void,
  secret: () => string | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      const ms = (performance.now() - started).toFixed(1);
      const state = (res as ServerResponse & { [CACHE_STATE]?: string })[CACHE_STATE] ?? '-';
      const aborted = res.writableFinished ? '' : ' aborted';
      const url = maskUrl(req.url ?? '', secret());
      write(`${req.method} ${url} ${res.statusCode} ${state} ${ms}ms${aborted}`);
    });
    handler(req, res);
  };
}
