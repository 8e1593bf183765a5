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
// A pushed authorization request is of no use once expired (RFC 9126 §2.2): no grace period.
const purgePushedRequests = statement('purge.pushedRequests', (db) =>
  db.deleteFrom('pushed_authorization_requests').where('hash', 'in', (eb) =>
    eb.selectFrom('pushed_authorization_requests').select('hash').where('expires_at', '<=', param<number>('before')).limit(param<number>('limit'))),
);
const purgeDeviceCodes = statement('purge.deviceCodes', (db) =>
  db.deleteFrom('device_codes').where('hash', 'in', (eb) =>
    eb.selectFrom('device_codes').select('hash').where('expires_at', '<', param<number>('before')).limit(param<number>('limit'))),
);

// Dynamic clients past their idle expiry: their tokens are revoked and their grants go with them.
const idleClients = statement('purge.idleClients', (db) =>
  db.selectFrom('clients').select(['tenant_id', 'server_id', 'client_id'])
    .where('dynamic', '=', 1).where('idle_expires_at', '<', param<number>('now')).limit(param<number>('limit')),
);
const ofClient = { tenantId: 'tenant_id', serverId: 'server_id', clientId: 'client_id' } as const;
const revokeIdleTokens = statement('purge.revokeIdleTokens', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).where('revoked_at', 'is', null),
);
const deleteIdleGrants = statement('purge.deleteIdleGrants', (db) =>
  db.deleteFrom('grants')
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId')).where(ofClient.clientId, '=', param('clientId')),
);
const deleteIdleClient = statement('purge.deleteIdleClient', (db) =>
  db.deleteFrom('clients')
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).where('dynamic', '=', 1).where('idle_expires_at', '<', param<number>('now')),
);

// Proof ids whose proofs are too old to be accepted anyway: a replay is refused for its iat.
const purgeDpopJtis = statement('purge.dpopJtis', (db) =>
  // A hash is unique in practice; the outer condition keeps a row of another server with the same hash unless it expired too.
  db.deleteFrom('dpop_jtis').where('expires_at', '<', param<number>('now')).where('jti_hash', 'in', (eb) =>
    eb.selectFrom('dpop_jtis').select('jti_hash').where('expires_at', '<', param<number>('now')).limit(param<number>('limit'))),
);

async function purgeIdleClients(x: SqlExecutor, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await x.all(idleClients, { now, limit: BATCH });
    for (const r of rows) {
      const key = { tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id };
      total += await x.transaction(async () => {
        await x.run(revokeIdleTokens, { ...key, now });
        await x.run(deleteIdleGrants, key);
        return x.run(deleteIdleClient, { ...key, now });
      });
    }
    if (rows.length < BATCH) return total;
  }
}

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
        dynamicClients: await purgeIdleClients(x, c.now),
        pushedRequests: await drain(x, purgePushedRequests, { before: c.now }),
        dpopJtis: await drain(x, purgeDpopJtis, { now: c.now }),
        deviceCodes: await drain(x, purgeDeviceCodes, { before }),
      };
    },
  };
}
