import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/site.js';

const run = promisify(execFile);

// bin/isr.js is CommonJS (bin/package.json): an ES module as the entry point makes Node 20 and 22
// set up their ES loader before isr runs, ~5 ms of `isr --version`. A command that imports a
// config starts that loader itself, when it needs it. Node 24 sets the loader up for every entry
// point, a plain CommonJS one included, so the measure is a plain CommonJS script's: `isr
// --version` loads no part of the ES loader that such a script does not (on Node 24 the two are
// the same by construction; on 20 and 22, an ES shim fails this).
describe('the bin/isr.js shim', () => {
  let dir: string;
  let preload: string;
  let plain: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'isr-shim-'));
    preload = path.join(dir, 'report-esm.cjs');
    plain = path.join(dir, 'plain.cjs');
    await writeFile(
      preload,
      "process.on('exit', () => process._rawDebug(JSON.stringify(process.moduleLoadList.filter((m) => /esm\\/(module_job|translators|load|resolve)$/.test(m)))));\n",
    );
    await writeFile(plain, "console.log('0.0.0');\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The parts of Node's ES loader that load an ES module (its jobs, resolution, translators) a process running `args` loaded. */
  const esmModules = async (args: string[]) => {
    const { stdout, stderr } = await run(process.execPath, ['-r', preload, ...args]);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
    return JSON.parse(stderr) as string[];
  };

  it('runs `isr --version` loading no more of Node’s ES module loader than a plain CommonJS script', async () => {
    const baseline = new Set(await esmModules([plain]));
    const extra = (await esmModules([BIN, '--version'])).filter((m) => !baseline.has(m));
    expect(extra).toEqual([]);
  });
});
