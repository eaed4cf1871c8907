/**
 * Watches a set of page files while runs overlap: every read must be a complete page, and a
 * page's render number must never go down (no older render published over a newer one).
 */
import { readFileSync } from 'node:fs';

export interface PageWatcher {
  /** Reads done and problems seen so far. */
  reads: number;
  problems: string[];
  stop(): Promise<void>;
}

export function watchPages(files: string[], parse: (html: string) => number | undefined, everyMs = 3): PageWatcher {
  const last = new Map<string, number>();
  const w: PageWatcher = { reads: 0, problems: [], stop: async () => {} };
  const tick = () => {
    for (const f of files) {
      let html: string;
      try {
        html = readFileSync(f, 'utf8');
      } catch (err) {
        // A page that existed must never vanish, even for an instant.
        if (last.has(f)) w.problems.push(`${f}: vanished (${(err as NodeJS.ErrnoException).code})`);
        continue;
      }
      w.reads++;
      const n = parse(html);
      if (n === undefined) w.problems.push(`${f}: incomplete page (${html.length} bytes)`);
      else {
        const prev = last.get(f);
        if (prev !== undefined && n < prev) w.problems.push(`${f}: render ${n} published over newer render ${prev}`);
        last.set(f, n);
      }
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  w.stop = async () => {
    clearInterval(timer);
    tick();
  };
  return w;
}
