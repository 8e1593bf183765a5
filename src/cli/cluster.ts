/**
 * `pixie serve --workers N`: the primary forks N workers that share the listening port
 * (node:cluster), restarts a worker that dies, gathers /metrics for every worker, and
 * forwards SIGTERM/SIGINT so each worker finishes its requests in flight.
 *
 * Workers are ordinary `pixie serve` processes: sessions, codes, tokens and keys all live in
 * the database, so any worker can answer any request.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/schema.js';
import { METRICS_REQUEST, METRICS_RESPONSE } from '../http/plugins/metrics.js';
import { openDatabase } from '../storage/database.js';

/** A worker that dies sooner than this after starting is not restarted (a crash loop, e.g. bad config). */
const MIN_UPTIME_MS = 5000;

function say(message: string): void {
  process.stderr.write(`pixie[primary ${process.pid}]: ${message}\n`);
}

/** Which worker runs the periodic jobs on SQLite (no advisory locks there): the one in slot 0. */
export function workerSlot(): number | null {
  return cluster.isWorker ? Number(process.env.PIXIE_WORKER_SLOT ?? 0) : null;
}

export async function runPrimary(config: Config): Promise<void> {
  // Migrate once before forking: several processes migrating one SQLite file at once would
  // fight over its write lock (PostgreSQL would serialise them with an advisory lock anyway).
  const db = await openDatabase({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir, secretsKeys: config.secretsKeys });
  await db.stores.close();
  if (!config.databaseUrl) say('several workers over SQLite share one file (WAL); PostgreSQL is recommended for several processes');

  const { AggregatorRegistry } = await import('prom-client');
  const metrics = new AggregatorRegistry();
  const workers = new Map<Worker, { slot: number; started: number }>();
  let stopping = false;

  const fork = (slot: number) => workers.set(cluster.fork({ PIXIE_WORKER_SLOT: String(slot) }), { slot, started: Date.now() });
  for (let slot = 0; slot < config.workers; slot++) fork(slot);
  say(`started ${config.workers} workers`);

  cluster.on('message', (worker, m: { type?: string; id?: number }) => {
    if (m?.type !== METRICS_REQUEST) return;
    void metrics.clusterMetrics()
      .then((text) => text, () => null)
      .then((text) => { if (worker.isConnected()) worker.send({ type: METRICS_RESPONSE, id: m.id, text }); });
  });

  cluster.on('exit', (worker, code, signal) => {
    const info = workers.get(worker);
    workers.delete(worker);
    if (stopping || !info) {
      if (workers.size === 0) process.exit(0);
      return;
    }
    const lived = Date.now() - info.started;
    if (lived >= MIN_UPTIME_MS) {
      say(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting a new one`);
      fork(info.slot);
    } else {
      say(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) ${lived} ms after starting; not restarting it`);
      if (workers.size === 0) process.exit(1);
    }
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: no more waiting for the workers' grace period.
      say(`${signal} again: stopping now`);
      for (const w of workers.keys()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    say(`${signal}: stopping ${workers.size} workers`);
    if (workers.size === 0) process.exit(0);
    for (const w of workers.keys()) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
