/**
 * The periodic purge of expired codes, tokens, sessions, interactions and login counters.
 * Every process may schedule it; Stores.runExclusive lets only one run at a time
 * (pg_try_advisory_lock on PostgreSQL; on SQLite the CLI schedules it in one process only).
 */
import { FORGET_AFTER } from '../core/interaction/login.js';
import type { Clock, PurgeCounts, Stores } from '../core/ports.js';

/**
 * Rows stay this long after they expire or are revoked, so a code replayed just after its
 * expiry still finds its row (and revokes its tokens, RFC 6749 §4.1.2) and support can look
 * at a token that stopped working a moment ago.
 */
export const PURGE_GRACE_SECONDS = 3600;
export const PURGE_INTERVAL_SECONDS = 300;

/** One pass; null when another process is purging right now. */
export async function purgeOnce(stores: Stores, clock: Clock, grace = PURGE_GRACE_SECONDS): Promise<PurgeCounts | null> {
  let counts: PurgeCounts | null = null;
  const now = clock.now();
  await stores.runExclusive('purge', async () => {
    counts = await stores.purge.purgeExpired({ expiredBefore: now - grace, loginFailuresBefore: now - FORGET_AFTER, now });
  });
  return counts;
}

export interface PurgeJob {
  stop(): Promise<void>;
}

export function startPurgeJob(
  stores: Stores, clock: Clock,
  opts: { intervalSeconds?: number; onResult?: (counts: PurgeCounts) => void; onError?: (err: unknown) => void } = {},
): PurgeJob {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return; // a slow pass is never overlapped by the next one
    running = purgeOnce(stores, clock)
      .then((counts) => { if (counts) opts.onResult?.(counts); })
      .catch((err: unknown) => opts.onError?.(err))
      .finally(() => { running = null; });
  };
  const timer = setInterval(tick, (opts.intervalSeconds ?? PURGE_INTERVAL_SECONDS) * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
