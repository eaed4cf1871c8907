#!/usr/bin/env node
import { spawn } from 'node:child_process';
// Run a command and SIGKILL it at a chosen instant. A process of its own so the instant does
// not depend on the (busy) test runner's event loop.
//
//   node kill-after.mjs <ms> [<watch>] -- <command> [args…]
//
// Without <watch>, the kill is <ms> after the start. With <watch> (comma-separated files), the
// kill is <ms> after the first of those files is replaced (its inode changes: a rename landed,
// i.e. the run started publishing). Prints one JSON line on stdout:
// {"killed":bool,"code":n|null,"elapsedMs":n,"triggeredAtMs":n|null}. The child's stderr passes through.
import { statSync } from 'node:fs';

const sep = process.argv.indexOf('--');
const [ms, watch] = process.argv.slice(2, sep);
const [cmd, ...args] = process.argv.slice(sep + 1);
const ino = (f) => {
  try {
    return statSync(f).ino;
  } catch {
    return -1;
  }
};
const files = watch ? watch.split(',') : [];
const before = files.map(ino);
const started = performance.now();
const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
let killed = false;
let triggeredAtMs = null;
const kill = () => {
  killed = child.kill('SIGKILL');
};
let timer;
let poller;
if (!files.length) timer = setTimeout(kill, Number(ms));
else {
  poller = setInterval(() => {
    if (files.some((f, i) => ino(f) !== before[i])) {
      clearInterval(poller);
      triggeredAtMs = Math.round(performance.now() - started);
      timer = setTimeout(kill, Number(ms));
    }
  }, 1);
}
child.on('close', (code, signal) => {
  clearTimeout(timer);
  clearInterval(poller);
  const elapsedMs = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ killed: killed && signal === 'SIGKILL', code, elapsedMs, triggeredAtMs })}\n`);
});
