import type { ApiKeyStore } from '../../core/ports.js';
import type { ApiKey } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { ApiKeysTable } from '../schema.js';

const ofClient = { tenantId: 'tenant_id', serverId: 'server_id', clientId: 'client_id' } as const;

const listKeys = statement('apiKeys.list', (db) =>
  db.selectFrom('api_keys').selectAll()
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).orderBy('created_at'),
);
const insertKey = statement('apiKeys.insert', (db) =>
  db.insertInto('api_keys').values({
    id: param('id'), tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
    name: param('name'), key_hash: param('hash'), display_prefix: param('displayPrefix'),
    created_at: param<number>('createdAt'), expires_at: param<number | null>('expiresAt'),
    last_used_at: param<number | null>('lastUsedAt'), revoked_at: param<number | null>('revokedAt'),
  }),
);
const findByHash = statement('apiKeys.findByHash', (db) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', param('hash')));
const revokeKey = statement('apiKeys.revoke', (db) =>
  db.updateTable('api_keys').set({ revoked_at: param<number>('now') })
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).where('id', '=', param('id')).where('revoked_at', 'is', null),
);
const setExpiry = statement('apiKeys.setExpiry', (db) =>
  db.updateTable('api_keys').set({ expires_at: param<number | null>('expiresAt') })
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).where('id', '=', param('id')).where('revoked_at', 'is', null),
);
const deleteByName = statement('apiKeys.deleteByName', (db) =>
  db.deleteFrom('api_keys')
    .where(ofClient.tenantId, '=', param('tenantId')).where(ofClient.serverId, '=', param('serverId'))
    .where(ofClient.clientId, '=', param('clientId')).where('name', '=', param('name')),
);
const touchKey = statement('apiKeys.touch', (db) =>
  db.updateTable('api_keys').set({ last_used_at: param<number>('now') }).where('id', '=', param('id')),
);

function toApiKey(r: ApiKeysTable): ApiKey {
  return {
    id: r.id, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, name: r.name, hash: r.key_hash,
    displayPrefix: r.display_prefix, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export function apiKeyStore(x: SqlExecutor): ApiKeyStore {
  return {
    list: async (tenantId, serverId, clientId) => (await x.all(listKeys, { tenantId, serverId, clientId })).map(toApiKey),
    add: async (k) => { await x.run(insertKey, { ...k }); },
    findByHash: async (hash) => {
      const r = await x.first(findByHash, { hash });
      return r ? toApiKey(r) : null;
    },
    revoke: (tenantId, serverId, clientId, id, now) => x.run(revokeKey, { tenantId, serverId, clientId, id, now }),
    setExpiry: (tenantId, serverId, clientId, id, expiresAt) => x.run(setExpiry, { tenantId, serverId, clientId, id, expiresAt }),
    deleteByName: async (tenantId, serverId, clientId, names) => {
      for (const name of names) await x.run(deleteByName, { tenantId, serverId, clientId, name });
    },
    touch: async (id, now) => { await x.run(touchKey, { id, now }); },
  };
}
