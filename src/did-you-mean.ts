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
