/**
 * WAL checkpoints in a background thread.
 *
 * In WAL mode with synchronous=NORMAL a commit only appends to the WAL; the fsyncs happen when
 * the WAL is copied back into the database file (a checkpoint). SQLite runs that checkpoint
 * inside whichever commit crosses `wal_autocheckpoint` pages, so with better-sqlite3 (synchronous)
 * the event loop would stall on two fsyncs every few hundred token requests: that doubled the
 * time of a code exchange (docs/benchmarks.md). A worker thread with its own connection runs
 * PASSIVE checkpoints instead, which never block writers; the main connection keeps a large
 * autocheckpoint threshold only as a safety net for when the worker cannot keep up.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints; a checkpoint with nothing to copy costs microseconds. */
const INTERVAL_MS = 100;
/** Pages (4 KiB) after which the main connection checkpoints itself. */
export const FALLBACK_AUTOCHECKPOINT = 10_000;

// The worker body runs as CommonJS from a string, so it needs no file of its own next to
// the compiled (dist/) or the TypeScript (tests) sources.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next tick retries */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS },
    // It allocates next to nothing: a small heap keeps the server's resident memory down.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 1 },
  });
  // Never keep the process alive, never crash it: the fallback threshold bounds the WAL anyway.
  worker.unref();
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Referenced again so that the event loop waits for the worker to close its connection.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
