/**
 * Graceful stop on SIGTERM/SIGINT: stop accepting connections, let requests in flight finish
 * for up to the grace period, then close whatever sockets remain (idle or trickling clients)
 * and exit 0. A second signal exits at once (status 1). Without the deadline, one client that
 * keeps a connection open would hold the process forever.
 */
import cluster from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import { connectionsOf } from '../http/connections.js';

/** After the grace period and the sockets are closed, how long closing storage may still take. */
const AFTER_GRACE_MS = 5000;

export interface ShutdownTarget {
  server: object;
  log: FastifyBaseLogger;
  /** Stops accepting, waits for requests in flight, closes storage (Pixie.close and the jobs). */
  close(): Promise<void>;
}

export function onShutdownSignals(target: ShutdownTarget, graceMs: number, exit: (code: number) => void = (code) => process.exit(code)): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A cluster worker gets Ctrl-C from the terminal and SIGTERM from the primary: that is one
      // stop, not two. The primary escalates on its own second signal (SIGKILL to the workers).
      if (cluster.isWorker) return;
      target.log.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    target.log.info({ signal, graceMs }, 'stopping: finishing requests in flight');
    const grace = setTimeout(() => {
      const open = connectionsOf(target.server);
      target.log.warn({ connections: open?.open ?? null }, 'grace period over: closing the remaining connections');
      open?.destroyAll();
      setTimeout(() => {
        target.log.error('storage did not close in time after the grace period; exiting');
        exit(1);
      }, AFTER_GRACE_MS).unref();
    }, graceMs);
    grace.unref();
    target.close().then(() => {
      clearTimeout(grace);
      exit(0);
    }, (err: unknown) => {
      target.log.error({ err }, 'error while stopping');
      exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
