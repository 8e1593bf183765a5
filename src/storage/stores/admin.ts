/** Admin listings and changes (SPEC §8). Every statement is bound to one tenant. */
import type { AdminGrant, AdminStore } from '../../core/ports.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { GrantsTable } from '../schema.js';
import { toClient } from './clients.js';
import { toKey } from './keys.js';
import { toToken } from './tokens.js';
import { toGrant, toUser } from './users.js';

const t = () => param('tenantId');

// Keyset pagination on (server_id, client_id): stable under concurrent inserts, no OFFSET scans.
const listClients = statement((db) =>
  db.selectFrom('clients').selectAll().where('tenant_id', '=', t())
    .where((eb) => eb.or([
      eb('server_id', '>', param('afterServer')),
      eb.and([eb('server_id', '=', param('afterServer')), eb('client_id', '>', param('afterClient'))]),
    ]))
    .orderBy('server_id').orderBy('client_id').limit(param<number>('limit')),
);
const listServerClients = statement((db) =>
  db.selectFrom('clients').selectAll().where('tenant_id', '=', t()).where('server_id', '=', param('serverId'))
    .where('client_id', '>', param('afterClient')).orderBy('client_id').limit(param<number>('limit')),
);
const clientKey = (db: Parameters<Parameters<typeof statement>[0]>[0], table: 'clients' | 'grants' | 'authorization_codes') =>
  db.deleteFrom(table).where('tenant_id', '=', t()).where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId'));
const deleteClient = statement((db) => clientKey(db, 'clients'));
const deleteClientGrants = statement((db) => clientKey(db, 'grants'));
const revokeClientTokens = statement((db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId')).where('revoked_at', 'is', null),
);
const revokeSecret = statement((db) =>
  db.updateTable('client_secrets').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId'))
    .where('id', '=', param('id')).where('revoked_at', 'is', null),
);

const listUsers = statement((db) =>
  db.selectFrom('users').selectAll().where('tenant_id', '=', t()).where('username', '>', param('after'))
    .orderBy('username').limit(param<number>('limit')),
);
const setUserDisabled = statement((db) =>
  db.updateTable('users').set({ disabled: param<number>('disabled'), updated_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('id', '=', param('id')),
);
const setUserPassword = statement((db) =>
  db.updateTable('users').set({ password_hash: param('passwordHash'), updated_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('id', '=', param('id')),
);
// A disabled user's sessions end at once, and so do their tokens.
const deleteUserSessions = statement((db) =>
  db.deleteFrom('sessions').where('tenant_id', '=', t()).where('user_id', '=', param('id')),
);
const revokeUserTokens = statement((db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', t()).where('user_id', '=', param('id')).where('revoked_at', 'is', null),
);

const listGrants = statement((db) =>
  db.selectFrom('grants').selectAll().where('tenant_id', '=', t()).where('id', '>', param('after'))
    .orderBy('id').limit(param<number>('limit')),
);
const findGrant = statement((db) => db.selectFrom('grants').selectAll().where('tenant_id', '=', t()).where('id', '=', param('id')));
const revokeGrant = statement((db) =>
  db.updateTable('grants').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('id', '=', param('id')).where('revoked_at', 'is', null),
);
const revokeGrantTokens = statement((db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('grant_id', '=', param('id')).where('revoked_at', 'is', null),
);

const listTokens = statement((db) =>
  db.selectFrom('tokens').selectAll().where('tenant_id', '=', t())
    .where((eb) => eb.or([
      eb('created_at', '<', param<number>('beforeAt')),
      eb.and([eb('created_at', '=', param<number>('beforeAt')), eb('hash', '<', param('beforeHash'))]),
    ]))
    .orderBy('created_at', 'desc').orderBy('hash', 'desc').limit(param<number>('limit')),
);
const findToken = statement((db) => db.selectFrom('tokens').selectAll().where('tenant_id', '=', t()).where('hash', '=', param('hash')));
const revokeToken = statement((db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('hash', '=', param('hash')).where('revoked_at', 'is', null),
);
const revokeFamily = statement((db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('tenant_id', '=', t())
    .where('family_id', '=', param('familyId')).where('revoked_at', 'is', null),
);

const listKeys = statement((db) =>
  db.selectFrom('signing_keys').selectAll().where('tenant_id', '=', t()).where('server_id', '=', param('serverId'))
    .orderBy('created_at', 'desc'),
);

// Rows without a foreign key to the tenant go first; the rest cascade from `tenants`.
const tenantRows = (['tokens', 'grants', 'authorization_codes', 'sessions', 'interactions'] as const).map((table) =>
  statement((db) => db.deleteFrom(table).where('tenant_id', '=', t())),
);
const deleteTenant = statement((db) => db.deleteFrom('tenants').where('id', '=', t()));

function toAdminGrant(r: GrantsTable): AdminGrant {
  return { ...toGrant(r), revokedAt: r.revoked_at };
}

export function adminStore(x: SqlExecutor): AdminStore {
  return {
    listClients: async (tenantId, serverId, after, limit) => {
      const rows = serverId === null
        ? await x.all(listClients, { tenantId, afterServer: after.serverId, afterClient: after.clientId, limit })
        : await x.all(listServerClients, { tenantId, serverId, afterClient: after.clientId, limit });
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
    listSigningKeys: async (tenantId, serverId) => (await x.all(listKeys, { tenantId, serverId })).map(toKey),
    deleteTenant: (tenantId) => x.transaction(async () => {
      for (const s of tenantRows) await x.run(s, { tenantId });
      return (await x.run(deleteTenant, { tenantId })) > 0;
    }),
  };
}
