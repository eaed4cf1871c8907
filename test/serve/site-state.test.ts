import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/logger.js';
import { fileSignature } from '../../src/manifest/manifest.js';
import { shardOf } from '../../src/manifest/shards.js';
import { runSite } from '../../src/run/run-site.js';
import { ManifestOwner } from '../../src/serve/manifest-owner.js';
import { BIN, type TempSite, tempSite } from '../helpers/site.js';

// One stat of the manifest can be held: issued at once, its answer handed over when the test
// says. The server's disk checks stat through node:fs/promises; nothing else here is gated.
const statGate = vi.hoisted(() => ({ armed: false, answered: Promise.resolve(), hold: Promise.resolve(), calls: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const stat = (async (...args: Parameters<typeof real.stat>) => {
    if (String(args[0]).endsWith('manifest.json')) statGate.calls++;
    if (!statGate.armed || !String(args[0]).endsWith('manifest.json')) return real.stat(...args);
    statGate.armed = false;
    const answer = real.stat(...args);
    statGate.answered = answer.then(() => undefined);
    await statGate.hold;
    return answer;
  }) as typeof real.stat;
  return { ...real, stat, default: { ...real, stat } };
});

// How the server's view of the manifest stays true when its own regenerations and another
// process (a cron `isr regen`) both write a sharded manifest. Driven in-process so the order of
// events is exact: the races it pins down depend on timing when driven through a live server.
const T0 = Date.parse('2026-06-01T00:00:00Z');
const env = { ISR_PAGES_PER_SHARD: '2' };

/**
 * One run of the named page as isr serve makes it, two minutes after the build, two pages a shard
 * (as ISR_PAGES_PER_SHARD=2 gives the CLI); `held` when the server's manifest is handed to it.
 */
function namedRun(config: Parameters<typeof runSite>[0], page: string, extra: Partial<Parameters<typeof runSite>[1]> = {}) {
  return runSite(config, {
    mode: 'regen',
    onlyNamed: true,
    paths: [page],
    now: T0 + 120_000,
    logger: silentLogger(),
    command: 'test',
    pagesPerShard: 2,
    ...extra,
  });
}

let site: TempSite | undefined;
afterEach(async () => {
  statGate.armed = false;
  statGate.hold = Promise.resolve();
  statGate.calls = 0;
  vi.unstubAllEnvs();
  await site?.cleanup();
  site = undefined;
});

async function builtSite() {
  vi.stubEnv('ISR_PAGES_PER_SHARD', '2');
  site = await tempSite('blog');
  const r = await site.run(['build', '--quiet'], { now: new Date(T0).toISOString(), env });
  if (r.code !== 0) throw new Error(`fixture build failed: ${r.stderr}`);
  const config = await loadConfig(site.root);
  const changes: (string[] | 'all')[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  /** Resolves once `n` changes have been reported (an event, not a guess at how long a check takes). */
  const changesReach = (n: number) =>
    changes.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const onChange = (f: string[] | 'all') => {
    changes.push(f);
    for (const w of waiters.filter((w) => changes.length >= w.n)) w.resolve();
  };
  // No periodic checks: the test says when the state looks at the disk.
  const state = await ManifestOwner.load({ config, logger: silentLogger(), onChange, checkEveryMs: 1e9 });
  const head = JSON.parse(await site.read('.isr/manifest.json'));
  const posts = Object.keys(state.snapshot.toManifest().pages).filter((k) => k.startsWith('/blog/'));
  const a = posts[0]!;
  const b = posts.find((k) => shardOf(k, head.shardBits) !== shardOf(a, head.shardBits))!;
  expect(b, 'two posts in different shards').toBeDefined();
  return { site: site!, config, state, changes, changesReach, a, b, bits: head.shardBits as number };
}

describe('SiteState (the server view of a sharded manifest)', () => {
  it('takes in what a cron run wrote while a run of its own was under way, in shards that run did not read', async () => {
    const { site, config, state, a, b } = await builtSite();
    state.ownRunStarted();
    // The cron publishes while our run holds the state: the disk check must not read it now.
    const cron = await site.run(['regen', '--path', a, '--quiet'], { now: new Date(T0 + 60_000).toISOString(), env });
    expect(cron.code, cron.stderr).toBe(0);
    await state.check();
    expect(state.page(a)!.builtAt).toBe(T0);
    // Our run reads only b's shard (after the cron's write) and publishes over it.
    const run = await namedRun(config, b);
    await state.adopt(run, [...run.written, ...run.removed]);
    await state.check();
    const disk = await site.manifest();
    expect(state.page(b)!.builtAt).toBe(T0 + 120_000);
    expect(state.page(a)!.builtAt, 'the cron render of a shard our run did not load').toBe(T0 + 60_000);
    expect(state.snapshot.toManifest().pages).toEqual(disk.pages);
    state.close();
  });

  it('takes the whole of each shard its own run read, including pages another process changed in it', async () => {
    const { site, config, state, bits } = await builtSite();
    // Two pages in one shard (ISR_PAGES_PER_SHARD=2 puts about two in each).
    const keys = Object.keys(state.snapshot.toManifest().pages);
    const a = keys.find((k) => keys.some((o) => o !== k && shardOf(o, bits) === shardOf(k, bits)))!;
    const sibling = keys.find((o) => o !== a && shardOf(o, bits) === shardOf(a, bits))!;
    expect(sibling).toBeDefined();
    state.ownRunStarted();
    const cron = await site.run(['regen', '--path', sibling, '--quiet'], { now: new Date(T0 + 60_000).toISOString(), env });
    expect(cron.code, cron.stderr).toBe(0);
    const run = await namedRun(config, a);
    await state.adopt(run, [...run.written, ...run.removed]);
    // Before any disk check: the shard our run loaded already carries the cron's page.
    expect(state.page(sibling)!.builtAt).toBe(T0 + 60_000);
    expect(state.page(a)!.builtAt).toBe(T0 + 120_000);
    await state.check();
    expect(state.snapshot.toManifest().pages).toEqual((await site.manifest()).pages);
    state.close();
  });

  it('after a run of its own on the head it holds, takes the pages that run changed and reads nothing back', async () => {
    const { site, config, state, b, changes } = await builtSite();
    state.ownRunStarted();
    const run = await namedRun(config, b);
    await state.adopt(run, [...run.written, ...run.removed]);
    await state.check();
    expect(state.page(b)!.builtAt).toBe(T0 + 120_000);
    expect(state.snapshot.toManifest().pages).toEqual((await site.manifest()).pages);
    // One change reported (the run's own files); the disk check found the head the run wrote.
    expect(changes).toHaveLength(1);
    state.close();
  });
});

describe('SiteState disk checks', () => {
  it('a check asked for while one is under way looks again: a write landing in between is not lost', async () => {
    const { site, state, a } = await builtSite();
    state.close(); // no file watch: this test alone says when checks happen
    const first = state.check(); // stats the manifest now (on the thread pool), answer pending
    // A cron regen publishes after that stat and before its answer is handled: the event loop
    // is held by the synchronous call, as a busy server may hold it.
    const cron = spawnSync(process.execPath, [BIN, 'regen', '--path', a, '--quiet'], {
      cwd: site.root,
      env: { ...process.env, ...env, ISR_NOW: new Date(T0 + 60_000).toISOString() },
      encoding: 'utf8',
    });
    expect(cron.status, cron.stderr).toBe(0);
    // What a watch event for that write does: ask for a check while the first is under way.
    const second = state.check();
    await Promise.all([first, second]);
    expect(state.page(a)!.builtAt, 'the write that landed during the first check').toBe(T0 + 60_000);
  });

  it('after adopting a run whose head is still the file, starts no disk check (one synchronous stat said so)', async () => {
    const { config, state, b, changes } = await builtSite();
    state.close(); // no file watch: this test alone says when checks happen
    state.ownRunStarted();
    const run = await namedRun(config, b, { held: state.held() });
    statGate.calls = 0;
    await state.adopt(run, [...run.written, ...run.removed]);
    // A check stats the manifest as it starts (signatureOf, in the same tick): one started by the
    // adoption has been counted once the microtasks it queued have run.
    await new Promise((r) => setImmediate(r));
    expect(statGate.calls, 'stats of the manifest through the promise API').toBe(0);
    expect(changes).toHaveLength(1);
    expect(state.held()?.version).toBe(fileSignature(config.manifestFile));
  });

  it('after adopting a run, reads the head another process published once that run released its lock', async () => {
    const { site, config, state, a, b, changes, changesReach } = await builtSite();
    state.close(); // no file watch: only the adoption can look at the disk
    state.ownRunStarted();
    const run = await namedRun(config, b, { held: state.held() });
    const cron = spawnSync(process.execPath, [BIN, 'regen', '--path', a, '--quiet'], {
      cwd: site.root,
      env: { ...process.env, ...env, ISR_NOW: new Date(T0 + 60_000).toISOString() },
      encoding: 'utf8',
    });
    expect(cron.status, cron.stderr).toBe(0);
    await state.adopt(run, [...run.written, ...run.removed]);
    expect(changes, "the run's own change").toHaveLength(1);
    await changesReach(2); // the check the adoption started has read the cron write
    expect(state.page(a)!.builtAt, 'the cron write, read by the check the adoption started').toBe(T0 + 60_000);
    expect(state.page(b)!.builtAt).toBe(T0 + 120_000);
    expect(state.snapshot.toManifest().pages).toEqual((await site.manifest()).pages);
  });

  it('a check whose stat saw the head from before a run of its own reads nothing back once that run is adopted', async () => {
    const { config, state, b, changes } = await builtSite();
    state.close(); // no file watch: this test alone says when checks happen
    let answer!: () => void;
    statGate.hold = new Promise((r) => (answer = r));
    statGate.armed = true;
    const check = state.check();
    await statGate.answered; // the stat has seen the head as built
    // A webhook's run starts, publishes and is adopted before that answer is handled.
    state.ownRunStarted();
    const run = await namedRun(config, b, { held: state.held() });
    await state.adopt(run, [...run.written, ...run.removed]);
    answer();
    await check;
    // Taking that stale answer for a write by another process read the head back (and recorded
    // its old signature for the new manifest), reported as a change, then read it once more.
    expect(changes, "the run's own change, no reload").toHaveLength(1);
    expect(state.held()?.version).toBe(fileSignature(config.manifestFile));
    expect(state.page(b)!.builtAt).toBe(T0 + 120_000);
  });
});

describe('a run of the server started from the manifest it holds', () => {
  /** The page keys that share a shard with some other page, and one such sibling. */
  function twoInOneShard(state: ManifestOwner, bits: number): [string, string] {
    const keys = Object.keys(state.snapshot.toManifest().pages);
    const a = keys.find((k) => keys.some((o) => o !== k && shardOf(o, bits) === shardOf(k, bits)))!;
    return [a, keys.find((o) => o !== a && shardOf(o, bits) === shardOf(a, bits))!];
  }

  async function shardFileOf(site: TempSite, key: string, bits: number): Promise<string> {
    const head = JSON.parse(await site.read('.isr/manifest.json'));
    return path.join(site.root, '.isr/manifest-pages', head.shards[shardOf(key, bits)].file);
  }

  it('reads no shard file while the head on disk is the one it holds', async () => {
    const { site, config, state, bits } = await builtSite();
    const [a, sibling] = twoInOneShard(state, bits);
    // Spoil a's shard file behind the head's back: a run that read it would fail on it.
    await writeFile(await shardFileOf(site, a, bits), '{ not json');
    state.ownRunStarted();
    const run = await namedRun(config, a, { held: state.held() });
    await state.adopt(run, [...run.written, ...run.removed]);
    expect(run.rendered).toEqual([a]);
    // The shard was rewritten whole from memory: the sibling it holds is intact.
    const disk = await site.manifest();
    expect(disk.pages[a].builtAt).toBe(T0 + 120_000);
    expect(disk.pages[sibling]).toEqual(state.page(sibling));
    expect(state.snapshot.toManifest().pages).toEqual(disk.pages);
    state.close();
  });

  it('reads the files when another process wrote since, so its write in the same shard is not rolled back', async () => {
    const { site, config, state, bits } = await builtSite();
    const [a, sibling] = twoInOneShard(state, bits);
    state.ownRunStarted();
    const cron = await site.run(['regen', '--path', sibling, '--quiet'], { now: new Date(T0 + 60_000).toISOString(), env });
    expect(cron.code, cron.stderr).toBe(0);
    // What the server holds still has the sibling as built at T0.
    expect(state.page(sibling)!.builtAt).toBe(T0);
    const run = await namedRun(config, a, { held: state.held() });
    await state.adopt(run, [...run.written, ...run.removed]);
    const disk = await site.manifest();
    expect(disk.pages[sibling].builtAt, "the cron's render survives").toBe(T0 + 60_000);
    expect(disk.pages[a].builtAt).toBe(T0 + 120_000);
    await state.check();
    expect(state.snapshot.toManifest().pages).toEqual(disk.pages);
    state.close();
  });

  it('offers nothing to start from after a manifest on disk could not be read', async () => {
    const { site, state } = await builtSite();
    expect(state.held()).toBeDefined();
    const head = path.join(site.root, '.isr/manifest.json');
    const text = await readFile(head, 'utf8');
    await writeFile(head, text.replace('"version": 2', '"version": 99'));
    await state.check();
    expect(state.held(), 'the held manifest is no longer known to match the disk').toBeUndefined();
    state.close();
  });
});
