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
/**
 * The thread starts this long after the database opens: booting it (an isolate and
 * better-sqlite3, tens of ms of CPU) would otherwise compete with the server's own start-up
 * on the same core, and a short CLI command never needs it. The fallback threshold covers
 * the wait.
 */
const START_DELAY_MS = 1000;
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
  /** Settles once the thread runs (or exited, or the checkpointer was stopped first). */
  readonly online: Promise<void>;
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, delayMs = START_DELAY_MS): Checkpointer {
  let thread: Thread | null = null;
  let stopping = false;
  let markOnline!: () => void;
  const online = new Promise<void>((resolve) => { markOnline = resolve; });
  const timer = setTimeout(() => {
    try {
      const started = spawnThread(file);
      thread = started;
      started.worker.once('online', () => {
        // Until now the thread held the event loop, so that `online` settles; from here it never
        // keeps the process alive, unless stop() is waiting for it to close its connection.
        if (!stopping) started.worker.unref();
        markOnline();
      });
      void started.exited.then(markOnline);
    } catch {
      markOnline(); // no thread: the fallback threshold still bounds the WAL
    }
  }, delayMs);
  // The timer never keeps a process alive (a short CLI command exits before it fires).
  timer.unref();
  return {
    online,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      if (thread) {
        // Referenced again so that the event loop waits for the worker to close its connection.
        thread.worker.ref();
        thread.worker.postMessage('stop');
        await thread.exited;
      }
      markOnline();
    },
  };
}

interface Thread {
  worker: Worker;
  /** Settles when the thread has ended, whenever that was (also before anyone asked). */
  exited: Promise<void>;
}

function spawnThread(file: string): Thread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS },
    // It allocates next to nothing: a small heap keeps the server's resident memory down.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8, codeRangeSizeMb: 1 },
  });
  // Never crash the process: the fallback threshold bounds the WAL anyway.
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return { worker, exited };
}
