import { expect, test } from 'vitest';
import { chooseBits, maxPagesPerShard, outgrownShards, shardOf, splitBits } from '../../src/manifest/shards.js';

const paths = (n: number, prefix = '/p/') => Array.from({ length: n }, (_, i) => `${prefix}${i}/`);

test('a shard counts as outgrown only when the run adds pages past the bound', () => {
  const table = { bits: 0, info: { '0': { file: '0.1.json', pages: 1024, routes: {} } } };
  expect(maxPagesPerShard(512)).toBe(1024);
  expect(outgrownShards(table, [], [], 1024)).toEqual([]);
  expect(outgrownShards(table, ['/new/'], [], 1024)).toEqual(['0']);
  // One in, one out: the shard does not grow.
  expect(outgrownShards(table, ['/new/'], ['/old/'], 1024)).toEqual([]);
  // Left over the bound by a build, and not growing: not split for it.
  const over = { bits: 0, info: { '0': { file: '0.1.json', pages: 1100, routes: {} } } };
  expect(outgrownShards(over, ['/a/'], ['/b/', '/c/'], 1024)).toEqual([]);
});

test('splits until no shard holds more than twice the target, never fewer bits than before', () => {
  const keys = paths(4004);
  // The flood of issue 16: 4,004 pages in one shard, target 512.
  const bits = splitBits(keys, 0, 512);
  expect(bits).toBeGreaterThanOrEqual(chooseBits(4004, undefined, 512));
  const sizes = new Map<string, number>();
  for (const k of keys) sizes.set(shardOf(k, bits), (sizes.get(shardOf(k, bits)) ?? 0) + 1);
  expect(Math.max(...sizes.values())).toBeLessThanOrEqual(1024);
  expect(splitBits(paths(10), 5, 512)).toBe(5);
});
