/**
 * Purging expired rows. Each DELETE removes at most BATCH rows chosen by a sub-select (portable:
 * SQLite has no DELETE … LIMIT by default), so a large backlog never holds SQLite's write lock
 * or a PostgreSQL lock for long while the token endpoint writes.
 */
import type { PurgeCounts, PurgeCutoffs, PurgeStore } from '../../core/ports.js';
import { param, statement, type SqlExecutor, type Statement } from '../prepared.js';

const BATCH = 500;

const purgeCodes = statement('purge.codes', (db) =>
  db.deleteFrom('authorization_codes').where('hash', 'in', (eb) =>
    eb.selectFrom('authorization_codes').select('hash').where('expires_at', '<', param<number>('before')).limit(param<number>('limit'))),
);
// Tokens without expiry stay until revoked; revoked ones go once the grace period has passed.
const purgeTokens = statement('purge.tokens', (db) =>
  db.deleteFrom('tokens').where('hash', 'in', (eb) =>
    eb.selectFrom('tokens').select('hash')
      .where((w) => w.or([w('expires_at', '<', param<number>('before')), w('revoked_at', '<', param<number>('before'))]))
      .limit(param<number>('limit'))),
);
const purgeSessions = statement('purge.sessions', (db) =>
  db.deleteFrom('sessions').where('hash', 'in', (eb) =>
    eb.selectFrom('sessions').select('hash').where('expires_at', '<', param<number>('before')).limit(param<number>('limit'))),
);
const purgeInteractions = statement('purge.interactions', (db) =>
  db.deleteFrom('interactions').where('id', 'in', (eb) =>
    eb.selectFrom('interactions').select('id').where('expires_at', '<', param<number>('before')).limit(param<number>('limit'))),
);
const purgeAttempts = statement('purge.loginAttempts', (db) =>
  db.deleteFrom('login_attempts').where('key', 'in', (eb) =>
    eb.selectFrom('login_attempts').select('key')
      .where('last_failure_at', '<', param<number>('before'))
      .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', param<number>('now'))]))
      .limit(param<number>('limit'))),
);

async function drain(x: SqlExecutor, stmt: Statement<unknown>, params: Record<string, number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await x.run(stmt, { ...params, limit: BATCH });
    total += n;
    if (n < BATCH) return total;
  }
}

export function purgeStore(x: SqlExecutor): PurgeStore {
  return {
    purgeExpired: async (c: PurgeCutoffs): Promise<PurgeCounts> => {
      const before = c.expiredBefore;
      return {
        codes: await drain(x, purgeCodes, { before }),
        tokens: await drain(x, purgeTokens, { before }),
        sessions: await drain(x, purgeSessions, { before }),
        // An expired sign-in in progress is of no use to anyone (unlike a code, whose replay
        // must still be recognised): it goes at once, so an /authorize flood does not linger.
        interactions: await drain(x, purgeInteractions, { before: c.now }),
        loginAttempts: await drain(x, purgeAttempts, { before: c.loginFailuresBefore, now: c.now }),
      };
    },
  };
}
