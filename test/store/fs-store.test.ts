import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsSiteStore, fsStore } from '../../src/store/fs-store.js';
import { NOT_DURABLE } from '../../src/write/durable.js';
import { describeStoreContract } from './store-contract.js';

const roots = new Map<object, string>();
describeStoreContract(
  'fs',
  ({ clock }) => {
    const root = mkdtempSync(path.join(tmpdir(), 'isr-fs-store-'));
    const s = fsSiteStore({ outDir: path.join(root, 'dist'), stateDir: path.join(root, '.isr'), durability: NOT_DURABLE, clock });
    roots.set(s, root);
    return s;
  },
  {
    // One host: a live holder is judged by its pid (manifest/lock.ts), and metadata has no place in a folder.
    takesOverLapsedLease: false,
    keepsMeta: false,
    dispose: (s) => rmSync(roots.get(s)!, { recursive: true, force: true }),
  },
);

describe('the filesystem store', () => {
  it('leaves no temp file behind when a precondition fails', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'isr-fs-store-'));
    try {
      const store = fsStore(root, { durability: NOT_DURABLE });
      await store.put('manifest.json', new TextEncoder().encode('a'));
      await expect(store.put('manifest.json', new TextEncoder().encode('b'), { if: { ifVersion: 'other' } })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      await expect(store.put('manifest.json', new TextEncoder().encode('b'), { if: { ifAbsent: true } })).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
      });
      expect(readdirSync(root)).toEqual(['manifest.json']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('flushes the bytes before the rename and the folder after it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'isr-fs-store-'));
    try {
      const flushed: string[][] = [];
      const store = fsStore(root, { durability: { flush: async (p) => void flushed.push([...p]) } });
      await store.put('a/b.html', new TextEncoder().encode('x'));
      expect(flushed).toHaveLength(2);
      expect(flushed[0]![0]).toMatch(/\.isr-tmp$/);
      expect(flushed[1]).toEqual([path.join(root, 'a')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
