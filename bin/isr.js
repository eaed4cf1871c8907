#!/usr/bin/env node
// Thin shim: all logic lives in the compiled CLI so `npx isr` and `node bin/isr.js` behave the same.
import { main } from '../dist/cli.js';
main(process.argv);
