/**
 * The candidate a mistyped name most likely meant: the same name in another case, or one at most
 * two edits away (a typo, not another word). Used for config keys and load() results.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  return candidates.find((c) => c.toLowerCase() === word.toLowerCase()) ?? candidates.find((c) => editDistance(c, word) <= 2);
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/**
 * A route pattern written in another framework's param syntax, in isr's: `[slug]` and `{slug}`
 * (Next.js, Astro, OpenAPI) → `:slug`; the catch-alls `[...slug]`, `[[...slug]]`, `{...slug}`
 * and `*slug` → `:slug*`; a bare `*` segment → `:path*`. Undefined when nothing was foreign, or
 * when what is left is still not a pattern isr reads (then no guess is better than a wrong one).
 */
export function nativePattern(source: string): string | undefined {
  const fixed = source
    .replace(/\[\[\.\.\.([A-Za-z_]\w*)\]\]|\[\.\.\.([A-Za-z_]\w*)\]|\{\.\.\.([A-Za-z_]\w*)\}/g, (_m, a, b, c) => `:${a ?? b ?? c}*`)
    .replace(/\[([A-Za-z_]\w*)\]|\{([A-Za-z_]\w*)\}/g, (_m, a, b) => `:${a ?? b}`)
    .replace(/(^|\/)\*([A-Za-z_]\w*)(?=\/|$)/g, (_m, pre, name) => `${pre}:${name}*`)
    .replace(/(^|\/)\*(?=\/|$)/g, (_m, pre) => `${pre}:path*`);
  if (fixed === source || /[[\]{}]|(^|[^\w])\*/.test(fixed)) return undefined;
  return fixed;
}
