// The floor under a stat-based change detection (issue 18 item 2): a bare Node process that
// lists a folder and stats every file in it, nothing else (no isr). Timed beside `node -e 0` and
// `isr regen` by bench/detect-cost.py (`--floor`).
//   node bench/stat-floor.mjs DIR
import { readdirSync, statSync } from 'node:fs';

const dir = process.argv[2];
let n = 0;
for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isFile() && statSync(`${dir}/${d.name}`).size >= 0) n++;
if (!n) process.exit(1);
