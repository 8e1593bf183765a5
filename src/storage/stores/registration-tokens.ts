import type { RegistrationTokenStore } from '../../core/ports.js';
import type { RegistrationToken } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { RegistrationTokensTable } from '../schema.js';

const insertToken = statement('registrationTokens.insertToken', (db) =>
  db.insertInto('registration_tokens').values({
    id: param('id'), tenant_id: param('tenantId'), server_id: param('serverId'), name: param('name'), token_hash: param('hash'),
    display_prefix: param('displayPrefix'), created_at: param<number>('createdAt'), expires_at: param<number | null>('expiresAt'),
    max_uses: param<number>('maxUses'), uses: param<number>('uses'), revoked_at: param<number | null>('revokedAt'),
  }),
);
const listTokens = statement('registrationTokens.listTokens', (db) =>
  db.selectFrom('registration_tokens').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).orderBy('created_at', 'desc').orderBy('id'),
);
const findByHash = statement('registrationTokens.findByHash', (db) => db.selectFrom('registration_tokens').selectAll().where('token_hash', '=', param('hash')));
// One statement: two registrations racing for the last use cannot both get it.
const useToken = statement('registrationTokens.useToken', (db) =>
  db.updateTable('registration_tokens').set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('token_hash', '=', param('hash')).where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', param<number>('now'))]))
    .where((eb) => eb('uses', '<', eb.ref('max_uses')))
    .returningAll(),
);
const revokeToken = statement('registrationTokens.revokeToken', (db) =>
  db.updateTable('registration_tokens').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('id', '=', param('id')).where('revoked_at', 'is', null),
);

function toToken(r: RegistrationTokensTable): RegistrationToken {
  return {
    id: r.id, tenantId: r.tenant_id, serverId: r.server_id, name: r.name, hash: r.token_hash, displayPrefix: r.display_prefix,
    createdAt: Number(r.created_at), expiresAt: r.expires_at === null ? null : Number(r.expires_at), maxUses: r.max_uses, uses: r.uses,
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export function registrationTokenStore(x: SqlExecutor): RegistrationTokenStore {
  return {
    add: async (t) => { await x.run(insertToken, { ...t }); },
    list: async (tenantId, serverId) => (await x.all(listTokens, { tenantId, serverId })).map(toToken),
    findByHash: async (hash) => {
      const r = await x.first(findByHash, { hash });
      return r ? toToken(r) : null;
    },
    use: async (hash, now) => {
      const r = await x.first(useToken, { hash, now });
      return r ? toToken(r) : null;
    },
    revoke: (tenantId, serverId, id, now) => x.run(revokeToken, { tenantId, serverId, id, now }),
  };
}
