import { hash as digest } from 'node:crypto';

/**
 * Short content hash for manifest fields. 96 bits of SHA-1 in base64url: collisions are not a
 * concern for change detection, and short strings keep a 100k-page manifest small to parse.
 *
 * Node's one-shot `crypto.hash` (Node >= 20.12), the same digest as createHash().update().digest()
 * without a Hash object and its stream machinery per call: 20,000 hashes of 3 KB took ~50 ms
 * against ~105 ms cold (~57 warm). A build hashes each page twice (props, HTML).
 */
export function hash(data: string | Uint8Array): string {
  return digest('sha1', data as string | NodeJS.ArrayBufferView, 'base64url').slice(0, 16);
}

/** Hash of a JSON-able value with object keys sorted, so key order never counts as a change. */
export function hashJson(value: unknown): string {
  return hash(stableStringify(value) ?? 'undefined');
}

/**
 * Where `value` stops being JSON, for an error that names it: the first BigInt or circular
 * reference on a depth-first walk in JSON.stringify's own order (honouring `toJSON`), as a path
 * from `root` (`props.author.friends[0]`). Called only after JSON.stringify threw, so the happy
 * path pays nothing; undefined if the walk finds neither.
 */
export function findNonJson(value: unknown, root: string): { path: string; problem: string } | undefined {
  const ancestors: { v: object; path: string }[] = [];
  const walk = (v: unknown, key: string, path: string): { path: string; problem: string } | undefined => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function')
      v = (v as { toJSON(k: string): unknown }).toJSON(key);
    if (typeof v === 'bigint') return { path, problem: `is a BigInt (${v}n)` };
    if (v === null || typeof v !== 'object') return undefined;
    const cycle = ancestors.find((a) => a.v === v);
    if (cycle) return { path, problem: `is a circular reference (back to ${cycle.path})` };
    ancestors.push({ v, path });
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const found = walk(v[i], String(i), `${path}[${i}]`);
          if (found) return found;
        }
      } else {
        for (const k of Object.keys(v)) {
          const found = walk(
            (v as Record<string, unknown>)[k],
            k,
            /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
          );
          if (found) return found;
        }
      }
      return undefined;
    } finally {
      ancestors.pop();
    }
  };
  return walk(value, '', root);
}

/** JSON with sorted keys; `visit` sees every object on the way (used to find source entries). */
export function stableStringify(value: unknown, visit?: (v: object) => void): string | undefined {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === 'object') visit?.(v);
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
