import { afterEach, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { type ServedSite, serveFixture } from './helpers.js';

let s: ServedSite | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('a bug in a regeneration of isr serve', () => {
  it('is logged with its stack', async () => {
    const bug = new InternalError('a state that cannot happen');
    s = await serveFixture('serve-site', {
      configure: (c) => ({
        ...c,
        routes: c.routes.map((r) =>
          r.name === 'home'
            ? {
                ...r,
                load: () => {
                  throw bug;
                },
              }
            : r,
        ),
      }),
    });
    s.clock.now += 3600_000; // the home page is stale: served as it is, regenerated behind
    expect((await s.get('/')).status).toBe(200);
    await s.server.idle();
    const failed = s.logger.lines.filter((l) => l.startsWith('error regenerating'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^error regenerating .+ failed: InternalError: a state that cannot happen \(a bug in isr: please report it\)\n/,
    );
    expect(failed[0]).toContain(bug.stack);
  });
});
