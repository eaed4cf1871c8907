import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServedSite, serveFixture, T0, until } from './helpers.js';

/** Open a raw connection, write `data`, collect everything until the server closes it. */
function converse(url: string, data: string, timeoutMs = 5000): Promise<{ text: string; closed: boolean }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let text = '';
    const sock = net.connect(Number(u.port), u.hostname, () => sock.write(data));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false });
    }, timeoutMs);
    sock.on('data', (d) => (text += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    sock.on('error', () => {});
  });
}

describe('isr serve: origin basics', () => {
  let s: ServedSite;
  afterEach(() => s?.close());

  it('keeps connections alive: two requests on one socket get two responses', async () => {
    s = await serveFixture('serve-site', { timeouts: { keepAliveMs: 300 } });
    const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const r = await converse(s.server.url, req('/items/alpha/') + req('/items/beta/'));
    expect(r.text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(r.text).toMatch(/Connection: keep-alive/i);
    expect(r.text).toContain('<h1 id="title">Alpha</h1>');
    expect(r.text).toContain('<h1 id="title">Beta</h1>');
    expect(r.closed).toBe(true); // closed by the keep-alive timeout, not by the first response
  });

  it('times out a client that never finishes its headers', async () => {
    s = await serveFixture('serve-site', { timeouts: { headersMs: 300 } });
    const started = Date.now();
    const r = await converse(s.server.url, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(4000);
    expect((await s.get('/')).status).toBe(200);
  });

  it('does not ask again and again for a page no route can render any more', async () => {
    s = await serveFixture('serve-site', { configure: (c) => ({ ...c, routes: c.routes.filter((r) => r.name !== 'fixed') }) });
    s.clock.now = T0 + 3_600_000;
    for (let i = 0; i < 5; i++) {
      const r = await s.get('/fixed/one/');
      expect(r.status).toBe(200); // the last good page stays
      expect(r.headers['x-isr-cache']).toBe('STALE');
      await s.server.idle();
    }
    const warnings = s.logger.lines.filter((l) => l.includes('/fixed/one/: matches no route'));
    expect(warnings).toHaveLength(1);
  });

  it('logs and pauses background regeneration when a run cannot even start (lock held)', async () => {
    s = await serveFixture('serve-site', { lockWaitSeconds: 0 });
    const { mkdir, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const lock = path.join(s.config.stateDir, 'lock');
    await mkdir(lock);
    // Held by a live process (this one), as a long cron run would.
    await writeFile(
      path.join(lock, 'owner.json'),
      JSON.stringify({
        pid: process.pid,
        host: (await import('node:os')).hostname(),
        token: 't',
        startedAt: Date.now(),
        command: 'isr regen',
      }),
    );
    s.clock.now = T0 + 3_600_000;
    expect((await s.get('/items/alpha/')).headers['x-isr-cache']).toBe('STALE');
    await until(
      async () => s.logger.lines.some((l) => l.startsWith('error') && l.includes('another isr run holds the lock')),
      'the lock error',
    );
    for (let i = 0; i < 5; i++) expect((await s.get('/items/beta/')).status).toBe(200);
    await s.server.idle();
    expect(s.logger.lines.filter((l) => l.includes('holds the lock'))).toHaveLength(1);
  });
});
