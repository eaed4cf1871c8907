import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/site.js';

const run = promisify(execFile);

// bin/isr.js is CommonJS (bin/package.json): an ES module as the entry point makes Node set up
// its ES loader before isr runs, ~5 ms of `isr --version`. A command that imports a config
// starts that loader itself, when it needs it.
describe('the bin/isr.js shim', () => {
  let dir: string;
  let preload: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'isr-shim-'));
    preload = path.join(dir, 'report-esm.cjs');
    await writeFile(
      preload,
      "process.on('exit', () => process._rawDebug('esm loader used: ' + process.moduleLoadList.includes('NativeModule internal/modules/esm/module_job')));\n",
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs `isr --version` without starting Node’s ES module loader', async () => {
    const { stdout, stderr } = await run(process.execPath, ['-r', preload, BIN, '--version']);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(stderr).toBe('esm loader used: false\n');
  });
});
