#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI so `npx isr` and `node bin/isr.js` behave the same.
// dist/start.cjs loads the CLI (dist/isr.cjs) with V8's code cache (src/startup/start.ts).
// CommonJS (bin/package.json), not an ES module: run as the entry point, an ES module makes Node 20
// and 22 set up their ES loader first, ~5 ms of CPU (10 ms wall) of `isr --version` (Node 24 sets
// it up for every entry point); a command that imports a config pays that anyway, later, so a
// regen is unchanged (BENCHMARKS.md, "Fourth pass").
'use strict';
require('../dist/start.cjs').start(process.argv);
