/**
 * `isr serve --workers N`: N server processes answering on one port (node:cluster).
 *
 * One Node process answers a cached page at ~90% of what bare node:http reaches, and that is one
 * core. The workers are whole `isr serve` processes, each with its own memory cache and held
 * manifest; they need nothing from each other, because a server already treats every other
 * process as it treats a cron `isr regen`: runs are serialised by the site lock, and a manifest
 * another process wrote is noticed through a file watch (and at most `diskCheckMs` later by a
 * request) and its changed shards re-read. So a webhook answered by one worker is served new by
 * all of them moments later; a stale page may be regenerated once per worker that saw it stale.
 *
 * The primary does no site work. It starts worker 1 and waits until it listens, so a bad config,
 * a taken port or a missing build is reported once, by that worker; then it starts the rest and
 * prints one URL line. A signal stops every worker gracefully; a worker that dies on its own
 * stops the others and the primary exits 1 (no restart loop for a preview server).
 */
import type { Worker } from 'node:cluster';
import { importModule } from '../import-module.js';
import type { Logger } from '../logger.js';

/** Messages a worker sends the primary. */
export type WorkerMessage = { isr: 'listening'; url: string; out: string };
/** Messages the primary sends a worker. */
export type PrimaryMessage = { isr: 'stop' };

export async function runWorkers(count: number, logger: Logger): Promise<number> {
  const { default: cluster } = await importModule<typeof import('node:cluster')>('node:cluster');
  // Each worker accepts on the shared socket itself (the kernel spreads connections), rather
  // than the primary accepting and handing each connection over (Node's default on Linux, which
  // caps throughput at what the primary can hand off: measured 36.7k vs 47.9k req/s for two bare
  // workers). NODE_CLUSTER_SCHED_POLICY=rr still selects round-robin (the tests use it).
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;

  const workers = new Set<Worker>();
  let stopping = false;
  let failed = false;
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));

  const start = (n: number) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const w = cluster.fork({ ISR_WORKER_ID: String(n) });
      workers.add(w);
      let up = false;
      w.on('message', (m: WorkerMessage) => {
        if (m?.isr !== 'listening') return;
        up = true;
        // A signal that came while it was starting found no handler there yet.
        if (stopping) w.send({ isr: 'stop' } satisfies PrimaryMessage);
        resolve(m);
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        // A worker whose shutdown failed (exit status 1) fails the whole serve, as one process would.
        if (stopping && code) failed = true;
        if (!up) reject(code ?? 1);
        else if (!stopping) {
          logger.error(`worker ${n} exited (${signal ?? `status ${code}`}): stopping the others`);
          failed = true;
          stopAll();
        }
        if (workers.size === 0 && (up || stopping)) done(failed ? 1 : 0);
      });
    });

  const stopAll = () => {
    stopping = true;
    for (const w of workers) if (w.isConnected()) w.send({ isr: 'stop' } satisfies PrimaryMessage);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: stopping the workers without waiting`);
      for (const w of workers) w.process.kill('SIGKILL');
      process.exit(130);
    }
    logger.info(`${signal}: shutting down ${workers.size} worker(s) (waiting for running regenerations)`);
    stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let first: WorkerMessage;
  try {
    // Worker 1 alone first: a failure at start is printed once, by it, with its exit status.
    first = await start(1);
    if (!stopping) await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 2)));
  } catch (code) {
    stopAll();
    if (workers.size) await finished;
    return typeof code === 'number' && code !== 0 ? code : 1;
  }
  if (!stopping) process.stdout.write(`isr serve: ${first.out} at ${first.url} (${count} workers)\n`);
  return finished;
}
