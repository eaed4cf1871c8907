#!/usr/bin/env node
// One contender of the lock stress test: acquire the site lock `rounds` times (waiting) and,
// inside each hold, prove exclusivity: `<stateDir>/inside` holds the pid of the current holder;
// finding it naming a process that is still alive means two holders at once. With `dieRate` > 0
// a holder sometimes SIGKILLs itself while holding, so the others must take the lock over.
// Prints one line per round: "ok", "violation <text>", and "dying" before a self-kill.
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [stateDir, roundsArg, distDir, dieRateArg] = process.argv.slice(2);
const { acquireLock } = await import(path.join(distDir, 'side', 'manifest', 'lock.js'));
const rounds = Number(roundsArg);
const dieRate = Number(dieRateArg ?? 0);
const inside = path.join(stateDir, 'inside');
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};
for (let i = 0; i < rounds; i++) {
  const lock = await acquireLock(stateDir, { waitSeconds: 120, command: 'lock-stress' });
  if (existsSync(inside)) {
    const other = Number(readFileSync(inside, 'utf8'));
    if (other !== process.pid && alive(other)) process.stdout.write(`violation round ${i}: pid ${other} holds it too\n`);
  }
  writeFileSync(inside, String(process.pid));
  if (Math.random() < dieRate) {
    process.stdout.write('dying\n');
    process.kill(process.pid, 'SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
  try {
    unlinkSync(inside);
  } catch {}
  await lock.release();
  process.stdout.write('ok\n');
}
