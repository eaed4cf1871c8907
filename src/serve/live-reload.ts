/**
 * Watch mode's browser reload: HTML held in memory gets a tiny script (never written to outDir)
 * that opens a server-sent-events stream; after a regeneration that changed files, every open
 * tab is told to reload.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LIVE_PATH = '/__isr/live';

const SCRIPT = Buffer.from(
  `<script>/* isr serve --watch */(()=>{const s=new EventSource(${JSON.stringify(LIVE_PATH)});` +
    `s.addEventListener("reload",()=>location.reload());})();</script>\n`,
);

/** `html` with the reload script before its last `</body>` (or at the end when there is none). */
export function injectLiveScript(html: Buffer): Buffer {
  const at = html.lastIndexOf('</body>') >= 0 ? html.lastIndexOf('</body>') : html.lastIndexOf('</BODY>');
  if (at < 0) return Buffer.concat([html, SCRIPT]);
  return Buffer.concat([html.subarray(0, at), SCRIPT, html.subarray(at)]);
}

export class LiveReload {
  private readonly clients = new Set<ServerResponse>();
  private readonly ping: NodeJS.Timeout;

  constructor() {
    // A comment line now and then keeps proxies from closing an idle stream.
    this.ping = setInterval(() => this.send(': ping\n\n'), 25_000);
    this.ping.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** Tell every open tab to reload; `files` is informative (what changed, outDir-relative). */
  reload(files: string[]): void {
    this.send(`event: reload\ndata: ${JSON.stringify({ files })}\n\n`);
  }

  close(): void {
    clearInterval(this.ping);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private send(chunk: string): void {
    for (const res of this.clients) if (!res.destroyed) res.write(chunk);
  }
}
