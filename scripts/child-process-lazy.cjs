// Stands in for `node:child_process` inside commander, bundled into dist/cli.js
// (scripts/build.mjs). commander requires it at load for executable subcommands, which isr does
// not have; loading it cost ~4.5 ms of every start (and ~9 ms when nothing had loaded Node's
// streams yet). The real module is taken on first use, if ever.
'use strict';
let real;
module.exports = new Proxy(
  {},
  {
    get: (_, key) => (real ??= process.getBuiltinModule('node:child_process'))[key],
  },
);
