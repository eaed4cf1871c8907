#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI so `npx isr` and `node bin/isr.js` behave the same.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('../dist/isr.cjs').main(process.argv);
