/**
 * A fast path for the front matter most Markdown files have: one `key: value` per line, values
 * that are plain or quoted one-line strings, whole numbers, `true`/`false`, or a one-line flow
 * list of those (`tags: [a, b]`). It returns exactly what the `yaml` library returns for such
 * text, or `undefined` for anything else, and the caller then uses the library. Internal.
 *
 * Why: the library's full YAML 1.2 parser costs about 50 µs for a three-line block, which was
 * the largest single cost of reading a 20,000-file folder (see BENCHMARKS.md); this costs ~2 µs.
 * It only accepts what cannot mean something else in YAML 1.2's core schema, so anything in
 * doubt (nulls, floats, leading zeros, comments, anchors, tags, nesting, multi-line values,
 * escapes, duplicate keys) goes to the library, which also gives the error messages.
 */
const LINE = /^([A-Za-z][A-Za-z0-9_-]*):[ ]+(.*?)[ ]*$/;
/** A plain scalar that YAML reads as a string: starts with a letter, no comment, no `key: `. */
const PLAIN = /^[A-Za-z][^#\t]*$/;
/** Dates stay strings in the core schema (no timestamp type): `2024-05-01`, `2024-05-01T10:00:00Z`. */
const DATE = /^\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/;
const INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"$/;
const SINGLE_QUOTED = /^'([^']*)'$/;
/** Words the core schema reads as null or booleans in other spellings: left to the library. */
const RESERVED = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;

export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const m = LINE.exec(line);
    if (!m) return undefined;
    const key = m[1]!;
    if (seen.has(key) || RESERVED.test(key)) return undefined;
    seen.add(key);
    const value = m[2]!;
    let v: unknown;
    if (value.startsWith('[')) {
      if (!value.endsWith(']')) return undefined;
      const inner = value.slice(1, -1).trim();
      const items: unknown[] = [];
      if (inner !== '') {
        for (const part of inner.split(',')) {
          const item = scalar(part.trim(), true);
          if (item === undefined) return undefined;
          items.push(item);
        }
      }
      v = items;
    } else {
      v = scalar(value, false);
      if (v === undefined) return undefined;
    }
    out[key] = v;
  }
  return out;
}

function scalar(s: string, inFlow: boolean): string | number | boolean | undefined {
  if (s === '') return undefined;
  // In a flow list, these end or nest the item: only the library reads them right.
  if (inFlow && /[[\]{}:]/.test(s)) return undefined;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (INT.test(s)) return Number(s);
  if (DATE.test(s)) return s;
  const q = DOUBLE_QUOTED.exec(s) ?? SINGLE_QUOTED.exec(s);
  if (q) return q[1]!.includes('\n') ? undefined : q[1]!;
  if (!PLAIN.test(s) || RESERVED.test(s) || s.includes(': ') || s.endsWith(':')) return undefined;
  return s;
}
