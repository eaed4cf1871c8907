#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI so `npx isr` and `node bin/isr.js` behave the same.
// dist/start.cjs loads the CLI (dist/isr.cjs) with V8's code cache (src/startup/start.ts).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/start.cjs').start(process.argv);
