#!/usr/bin/env node
// One contender of the lock stress test: acquire the site lock `rounds` times (waiting), and
// inside each hold prove exclusivity: create `<stateDir>/inside` with O_EXCL (fails if another
// holder is inside), hold a few ms, remove it. Prints {"rounds":n,"violations":[...]}.
import { openSync, closeSync, unlinkSync } from 'node:fs';
import path from 'node:path';

const [stateDir, roundsArg, distDir] = process.argv.slice(2);
const { acquireLock } = await import(path.join(distDir, 'manifest', 'lock.js'));
const rounds = Number(roundsArg);
const violations = [];
for (let i = 0; i < rounds; i++) {
  const lock = await acquireLock(stateDir, { waitSeconds: 60, command: 'lock-stress' });
  const inside = path.join(stateDir, 'inside');
  try {
    closeSync(openSync(inside, 'wx'));
  } catch (err) {
    violations.push(`round ${i}: another holder is inside (${err.code})`);
  }
  await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
  try {
    unlinkSync(inside);
  } catch {}
  await lock.release();
}
process.stdout.write(JSON.stringify({ rounds, violations }) + '\n');
