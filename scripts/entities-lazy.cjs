// Stands in for the `entities` package inside dist/vendor/markdown-it.cjs (scripts/build.mjs).
// markdown-it calls only these two, and only on text holding an entity reference (`&amp;`,
// `&#233;`); entities' index also builds its encoder, which markdown-it never uses, and the
// decoder builds its tables when loaded. Together ~20 ms of every run that renders Markdown.
// esbuild wraps the real module so it is evaluated on the first call, not at load.
'use strict';
let decoder;
const load = () => (decoder ??= require('entities/lib/decode.js'));
exports.decodeHTML = (s) => load().decodeHTML(s);
exports.decodeHTMLStrict = (s) => load().decodeHTMLStrict(s);
