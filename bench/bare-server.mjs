#!/usr/bin/env node
// The yardstick for `isr serve`: a bare node:http server answering one file from memory, to
// put wrk's figure for isr beside what Node itself reaches on the same machine and cores.
//
//   node bench/bare-server.mjs <file> [port]     then: wrk -t2 -c50 -d10s --latency http://127.0.0.1:<port>/
import fs from 'node:fs';
import http from 'node:http';

const body = fs.readFileSync(process.argv[2]);
const port = Number(process.argv[3] ?? 38600);
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(port, '127.0.0.1', () => console.log(`http://127.0.0.1:${port}/`));
