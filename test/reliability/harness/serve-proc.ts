/**
 * `isr serve` as a real subprocess (`node bin/isr.js serve <root> --port 0`), so "the server did
 * not crash" means the process is still up, and its stderr can be checked for stack traces.
 * Time is moved with ISR_NOW_FILE (the server reads the file on every request).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN } from '../../helpers/site.js';

export interface ServeProc {
  url: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Move the server's clock (epoch ms). */
  setNow(ms: number): Promise<void>;
  alive(): boolean;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(root: string, o: { env?: Record<string, string>; now: number; args?: string[] }): Promise<ServeProc> {
  const nowFile = path.join(root, '.now');
  await writeFile(nowFile, String(o.now));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ISR_NOW_FILE: nowFile, ...o.env };
  delete env.ISR_NOW;
  const child = spawn(process.execPath, [BIN, 'serve', root, '--port', '0', ...(o.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      exited = true;
      r(code);
    }),
  );
  child.stderr!.on('data', (c) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`isr serve did not start: ${err}`)), 20_000);
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /isr serve: .* at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exit.then((code) => reject(new Error(`isr serve exited ${code}: ${err}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stderr: () => err,
    stdout: () => out,
    setNow: (ms) => writeFile(nowFile, String(ms)),
    alive: () => !exited,
    async stop() {
      if (exited) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exit;
      clearTimeout(t);
      return code;
    },
  };
}
