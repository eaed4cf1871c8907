import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempSite, tempSite } from '../helpers/site.js';

// Issue 16 item 11: a change set a hook could not take is kept, shown, and delivered later.
let site: TempSite;
afterEach(() => site?.cleanup());

const HELLO = 'blog/hello-world/index.html';
const WHY = 'blog/why-static/index.html';

async function edit(s: TempSite, post: string, text: string): Promise<void> {
  const file = `content/posts/${post}.md`;
  await s.write(file, (await s.read(file)).replace(/\n---\n/, `\n---\n${text}\n\n`));
}

describe('a change set whose hook fails', () => {
  it('is kept, shown by isr status, and delivered merged with the next run until a hook takes it', async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);

    await edit(site, 'hello-world', 'First edit.');
    const failed = await site.run(['regen', '--path', '/blog/hello-world/', '--exec', 'cat > /dev/null; exit 3'], {
      now: '2026-01-01T00:01:00Z',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('--exec command exited with status 3');
    expect(failed.stderr).toMatch(/change set \(\d+ written, 0 removed\) is kept in \.isr\/pending-changes\//);

    const status = await site.run(['status', '--json'], { now: '2026-01-01T00:01:00Z' });
    expect(status.code).toBe(0);
    const pending = JSON.parse(status.stdout).pendingChanges;
    expect(pending).toMatchObject({ removed: [], since: '2026-01-01T00:01:00.000Z', sets: 1 });
    expect(pending.written).toContain(HELLO);
    const human = await site.run(['status'], { now: '2026-01-01T00:01:00Z' });
    expect(human.stdout).toContain('changes not yet delivered to onChange/--exec (since 2026-01-01T00:01:00.000Z');
    expect(human.stdout).toContain(`  written ${HELLO}`);

    // A second failure keeps both runs' files, in one set.
    await edit(site, 'why-static', 'Second edit.');
    expect((await site.run(['regen', '--path', '/blog/why-static/', '--exec', 'exit 1'], { now: '2026-01-01T00:02:00Z' })).code).toBe(1);
    expect(readdirSync(path.join(site.root, '.isr/pending-changes')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // The next run, with nothing of its own to change, delivers them all and forgets them.
    const ok = await site.run(['regen', '--exec', 'cat > delivered.json'], { now: '2026-01-01T00:02:30Z' });
    expect(ok.code).toBe(0);
    const delivered = JSON.parse(await site.read('delivered.json'));
    expect(delivered.written).toEqual(expect.arrayContaining([HELLO, WHY]));
    expect(delivered.removed).toEqual([]);
    expect(JSON.parse((await site.run(['status', '--json'], { now: '2026-01-01T00:03:00Z' })).stdout).pendingChanges).toBeNull();
    expect(readdirSync(path.join(site.root, '.isr/pending-changes'))).toEqual([]);
  });

  it("is merged with the next run's own changes", async () => {
    site = await tempSite('blog');
    expect((await site.run(['build'], { now: '2026-01-01T00:00:00Z' })).code).toBe(0);
    await edit(site, 'hello-world', 'First edit.');
    expect((await site.run(['regen', '--path', '/blog/hello-world/', '--exec', 'exit 1'], { now: '2026-01-01T00:01:00Z' })).code).toBe(1);
    await edit(site, 'why-static', 'Second edit.');
    const r = await site.run(['regen', '--path', '/blog/why-static/', '--exec', 'cat > delivered.json'], { now: '2026-01-01T00:02:00Z' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('delivering a change set kept from earlier runs');
    expect(JSON.parse(await site.read('delivered.json')).written).toEqual(expect.arrayContaining([HELLO, WHY]));
    expect(existsSync(path.join(site.root, '.isr/pending-changes')) && readdirSync(path.join(site.root, '.isr/pending-changes'))).toEqual(
      [],
    );
  });
});
