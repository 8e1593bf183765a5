/** Admin listings and changes. Every statement is bound to one tenant. */
import type { AdminGrant, AdminStore } from '../../core/ports.js';
import type { SecretsKeyring } from '../../crypto/secrets-key.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { GrantsTable } from '../schema.js';
import { toClient } from './clients.js';
import { toKey } from './keys.js';
import { toServer } from './tenants.js';
import { toToken } from './tokens.js';
import { toGrant, toUser } from './users.js';

const t = () => param('tenantId');

// Keyset pagination on (server_id, client_id): stable under concurrent inserts, no OFFSET scans.
// `dynamic` between dynMin and dynMax: [0, 1] lists every client, [1, 1] the dynamic ones only.
const listClients = statement('admin.listClients', (db) =>
  db.selectFrom('clients').selectAll().where('tenant_id', '=', t())
    .where((eb) => eb.or([
      eb('server_id', '>', param('afterServer')),
      eb.and([eb('server_id', '=', param('afterServer')), eb('client_id', '>', param('afterClient'))]),
    ]))
    .where('dynamic', '>=', param<number>('dynMin')).where('dynamic', '<=', param<number>('dynMax'))
    .orderBy('server_id').orderBy('client_id').limit(param<number>('limit')),
);
const listServerClients = statement('admin.listServerClients', (db) =>
  db.selectFrom('clients').selectAll().where('tenant_id', '=', t()).where('server_id', '=', param('serverId'))
    .where('client_id', '>', param('afterClient'))
    .where('dynamic', '>=', param<number>('dynMin')).where('dynamic', '<=', param<number>('dynMax'))
    .orderBy('client_id').limit(param<number>('limit')),
);
const clientKey = (db: Parameters<Parameters<typeof statement>[1]>[0], table: 'clients' | 'grants' | 'authorization_codes') =>
  db.deleteFrom(table).where('tenant_id', '=', t()).where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId'));
const deleteClient = statement('admin.deleteClient', (db) => clientKey(db, 'clients'));
const deleteClientGrants = statement('admin.deleteClientGrants', (db) => clientKey(db, 'grants'));
const revokeClientTokens = statement('admin.revokeClientTokens', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId')).where('revoked_at', 'is', null),
);
const revokeSecret = statement('admin.revokeSecret', (db) =>
  db.updateTable('client_secrets').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId'))
    .where('id', '=', param('id')).where('revoked_at', 'is', null),
);

const listUsers = statement('admin.listUsers', (db) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', t()).where('username', '>', param('after'))
    .orderBy('username').limit(param<number>('limit')),
);
const setUserDisabled = statement('admin.setUserDisabled', (db) =>
  db.updateTable('users').set({ disabled: param<number>('disabled'), updated_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('id', '=', param('id')),
);
const setUserPassword = statement('admin.setUserPassword', (db) =>
  db.updateTable('users').set({ password_hash: param('passwordHash'), updated_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('id', '=', param('id')),
);
// A disabled user's sessions end at once, and so do their tokens.
const deleteUserSessions = statement('admin.deleteUserSessions', (db) =>
  db.deleteFrom('sessions').where('tenant_id', '=', t()).where('user_id', '=', param('id')),
);
const revokeUserTokens = statement('admin.revokeUserTokens', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('user_id', '=', param('id')).where('revoked_at', 'is', null),
);

const listGrants = statement('admin.listGrants', (db) =>
  db.selectFrom('grants').selectAll().where('tenant_id', '=', t()).where('id', '>', param('after'))
    .orderBy('id').limit(param<number>('limit')),
);
const findGrant = statement('admin.findGrant', (db) => db.selectFrom('grants').selectAll().where('tenant_id', '=', t()).where('id', '=', param('id')));
const revokeGrant = statement('admin.revokeGrant', (db) =>
  db.updateTable('grants').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('id', '=', param('id')).where('revoked_at', 'is', null),
);
const revokeGrantTokens = statement('admin.revokeGrantTokens', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('grant_id', '=', param('id')).where('revoked_at', 'is', null),
);

const listTokens = statement('admin.listTokens', (db) =>
  db.selectFrom('tokens').selectAll().where('tenant_id', '=', t())
    .where((eb) => eb.or([
      eb('created_at', '<', param<number>('beforeAt')),
      eb.and([eb('created_at', '=', param<number>('beforeAt')), eb('hash', '<', param('beforeHash'))]),
    ]))
    .orderBy('created_at', 'desc').orderBy('hash', 'desc').limit(param<number>('limit')),
);
const findToken = statement('admin.findToken', (db) => db.selectFrom('tokens').selectAll().where('tenant_id', '=', t()).where('hash', '=', param('hash')));
const revokeToken = statement('admin.revokeToken', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('hash', '=', param('hash')).where('revoked_at', 'is', null),
);
const revokeFamily = statement('admin.revokeFamily', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('family_id', '=', param('familyId')).where('revoked_at', 'is', null),
);

const listKeys = statement('admin.listKeys', (db) =>
  db.selectFrom('signing_keys').selectAll().where('tenant_id', '=', t()).where('server_id', '=', param('serverId'))
    .orderBy('created_at', 'desc'),
);

/**
 * Deleting a tenant goes in batches of BATCH rows, each committed on its own (SQLite: its own
 * event-loop turn), so that a tenant with millions of tokens never holds SQLite's write lock or
 * a PostgreSQL transaction for long: other tenants' requests run between the batches. Each
 * DELETE takes its rows from a sub-select by tenant (SQLite has no DELETE … LIMIT by default).
 */
const BATCH = 500;
type Build = Parameters<typeof statement>[1];
const limit = () => param<number>('limit');
/** Rows whose own key is unique (tokens, codes, …): the sub-select by tenant picks them, the key finds them. */
const byUniqueKey = (table: 'tokens', key: 'hash'): Build => (db) =>
  db.deleteFrom(table).where(key, 'in', (eb) => eb.selectFrom(table).select(key).where('tenant_id', '=', t()).limit(limit()));
/** Rows keyed (tenant_id, key). */
const byTenantKey = (table: 'users', key: 'id'): Build => (db) =>
  db.deleteFrom(table).where('tenant_id', '=', t())
    .where(key, 'in', (eb) => eb.selectFrom(table).select(key).where('tenant_id', '=', t()).limit(limit()));
/** Rows keyed (tenant_id, server_id, key): a row value, so that the primary key finds each row. */
const byServerKey = (table: 'clients', key: 'client_id'): Build => (db) =>
  db.deleteFrom(table).where('tenant_id', '=', t())
    .where((eb) => eb(eb.refTuple('server_id', key), 'in',
      // Kysely types a row-value sub-select differently from the tuple it is compared with.
      eb.selectFrom(table).select(['server_id', key]).where('tenant_id', '=', t()).limit(limit()) as never));
// Tables without a foreign key to the tenant first, then the ones that cascade (clients take
// their secrets and API keys, servers their signing keys); the tenant's row goes last.
const UNIQUE_KEYS = [
  ['tokens', 'hash'], ['authorization_codes', 'hash'], ['grants', 'id'], ['sessions', 'hash'], ['interactions', 'id'], ['audit_log', 'id'],
  ['device_codes', 'hash'],
] as const;
const tenantBatches = [
  ...UNIQUE_KEYS.map(([table, key]) => statement(`admin.deleteTenant.${table}`, byUniqueKey(table as 'tokens', key as 'hash'))),
  statement('admin.deleteTenant.used_challenges', byServerKey('used_challenges' as 'clients', 'challenge' as 'client_id')),
  statement('admin.deleteTenant.dpop_jtis', byServerKey('dpop_jtis' as 'clients', 'jti_hash' as 'client_id')),
  statement('admin.deleteTenant.clients', byServerKey('clients', 'client_id')),
  statement('admin.deleteTenant.users', byTenantKey('users', 'id')),
  statement('admin.deleteTenant.servers', byTenantKey('servers' as 'users', 'id')),
];
// Sign-in throttling is keyed by `acct:{tenant}:{username}` and `dev:{tenant}:{device}` (core/interaction/login.ts).
const loginAttemptsBatch = statement('admin.deleteTenant.login_attempts', (db, { sql }) =>
  db.deleteFrom('login_attempts').where('key', 'in', (eb) =>
    eb.selectFrom('login_attempts').select('key')
      .where(sql<string>`substr(key, 1, ${param<number>('prefixLength')})`, '=', param('prefix')).limit(param<number>('limit'))),
);
const deleteTenant = statement('admin.deleteTenant', (db) => db.deleteFrom('tenants').where('id', '=', t()));

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function drain(x: SqlExecutor, stmt: Parameters<SqlExecutor['run']>[0], params: Record<string, unknown>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await x.run(stmt, { ...params, limit: BATCH });
    total += n;
    // SQLite commits the turn's writes at its check phase: this batch is committed, and whatever
    // other requests wait for runs, before the next one.
    await nextTurn();
    if (n < BATCH) return total;
  }
}

const listTenants = statement('admin.listTenants', (db) =>
  db.selectFrom('tenants').select(['id', 'name']).where('id', '>', param('after')).orderBy('id').limit(param<number>('limit')),
);
// A prefix is the range [from, to): the id's primary key or the index on lower(name) serves it.
const searchTenants = statement('admin.searchTenants', (db, { sql }) =>
  db.selectFrom('tenants').select(['id', 'name']).where('id', '>', param('after'))
    .where((eb) => eb.or([
      eb.and([eb('id', '>=', param('from')), eb('id', '<', param('to'))]),
      eb.and([eb(sql<string>`lower(name)`, '>=', param('from')), eb(sql<string>`lower(name)`, '<', param('to'))]),
    ]))
    .orderBy('id').limit(param<number>('limit')),
);
const listServers = statement('admin.listServers', (db) =>
  db.selectFrom('servers').selectAll().where('tenant_id', '=', t()).where('id', '>', param('after'))
    .where('id', '>=', param('from')).where('id', '<', param('to')).orderBy('id').limit(param<number>('limit')),
);

/** The range of strings that start with `prefix` (byte order: SQLite, and COLLATE "C" on PostgreSQL). */
function prefixRange(prefix: string): { from: string; to: string } {
  return { from: prefix, to: `${prefix}\u{10FFFF}` };
}

function toAdminGrant(r: GrantsTable): AdminGrant {
  return { ...toGrant(r), revokedAt: r.revoked_at };
}

export function adminStore(x: SqlExecutor, keyring: SecretsKeyring): AdminStore {
  return {
    listClients: async (tenantId, serverId, after, limit, dynamic = null) => {
      const dyn = { dynMin: dynamic === true ? 1 : 0, dynMax: dynamic === false ? 0 : 1 };
      const rows = serverId === null
        ? await x.all(listClients, { tenantId, afterServer: after.serverId, afterClient: after.clientId, limit, ...dyn })
        : await x.all(listServerClients, { tenantId, serverId, afterClient: after.clientId, limit, ...dyn });
      return rows.map(toClient);
    },
    deleteClient: (tenantId, serverId, clientId, now) => x.transaction(async () => {
      const key = { tenantId, serverId, clientId };
      await x.run(revokeClientTokens, { ...key, now });
      await x.run(deleteClientGrants, key);
      return (await x.run(deleteClient, key)) > 0;
    }),
    revokeSecret: async (tenantId, serverId, clientId, id, now) =>
      (await x.run(revokeSecret, { tenantId, serverId, clientId, id, now })) > 0,
    listUsers: async (tenantId, after, limit) => (await x.all(listUsers, { tenantId, after, limit })).map(toUser),
    setUserDisabled: (tenantId, id, disabled, now) => x.transaction(async () => {
      const changed = (await x.run(setUserDisabled, { tenantId, id, disabled: disabled ? 1 : 0, now })) > 0;
      if (changed && disabled) {
        await x.run(deleteUserSessions, { tenantId, id });
        await x.run(revokeUserTokens, { tenantId, id, now });
      }
      return changed;
    }),
    setUserPassword: async (tenantId, id, passwordHash, now) =>
      (await x.run(setUserPassword, { tenantId, id, passwordHash, now })) > 0,
    listGrants: async (tenantId, after, limit) => (await x.all(listGrants, { tenantId, after, limit })).map(toAdminGrant),
    findGrant: async (tenantId, id) => {
      const r = await x.first(findGrant, { tenantId, id });
      return r ? toAdminGrant(r) : null;
    },
    revokeGrant: (tenantId, id, now) => x.transaction(async () => {
      const changed = (await x.run(revokeGrant, { tenantId, id, now })) > 0;
      await x.run(revokeGrantTokens, { tenantId, id, now });
      return changed;
    }),
    listTokens: async (tenantId, before, limit) =>
      (await x.all(listTokens, { tenantId, beforeAt: before.createdAt, beforeHash: before.hash, limit })).map(toToken),
    findToken: async (tenantId, hash) => {
      const r = await x.first(findToken, { tenantId, hash });
      return r ? toToken(r) : null;
    },
    revokeToken: (tenantId, hash, now) => x.transaction(async () => {
      const r = await x.first(findToken, { tenantId, hash });
      if (!r) return false;
      await x.run(revokeToken, { tenantId, hash, now });
      // RFC 7009 §2.1: revoking a refresh token revokes the tokens of its family too.
      if (r.kind === 'refresh' && r.family_id) await x.run(revokeFamily, { tenantId, familyId: r.family_id, now });
      return true;
    }),
    listSigningKeys: async (tenantId, serverId) => (await x.all(listKeys, { tenantId, serverId })).map((r) => toKey(r, keyring)),
    listTenants: (after, limit, prefix) => (prefix
      ? x.all(searchTenants, { after, limit, ...prefixRange(prefix) })
      : x.all(listTenants, { after, limit })),
    listServers: async (tenantId, after, limit, prefix) =>
      (await x.all(listServers, { tenantId, after, limit, ...prefixRange(prefix ?? '') })).map(toServer),
    deleteTenantRows: async (tenantId) => {
      let total = 0;
      for (const s of tenantBatches) total += await drain(x, s, { tenantId });
      for (const prefix of [`acct:${tenantId}:`, `dev:${tenantId}:`]) {
        total += await drain(x, loginAttemptsBatch, { prefix, prefixLength: prefix.length });
      }
      return total;
    },
    deleteTenant: async (tenantId) => (await x.run(deleteTenant, { tenantId })) > 0,
  };
}
