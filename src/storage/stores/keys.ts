import type { SigningKeyStore, StoredSigningKey } from '../../core/ports.js';
import type { SigningAlg } from '../../crypto/keys.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { SigningKeysTable } from '../schema.js';
import { parseJson } from './json.js';

const listPublished = statement('signingKeys.listPublished', (db) =>
  db.selectFrom('signing_keys').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', param<number>('now'))]))
    // kid breaks ties so that every process picks the same signing key after a concurrent rotation.
    .orderBy('created_at', 'desc').orderBy('kid', 'desc'),
);
const insertKey = statement('signingKeys.insert', (db) =>
  db.insertInto('signing_keys').values({
    tenant_id: param('tenantId'), server_id: param('serverId'), kid: param('kid'), alg: param('alg'),
    private_jwk: param('privateJwk'), public_jwk: param('publicJwk'), created_at: param<number>('createdAt'),
    retired_at: param<number | null>('retiredAt'), expires_at: param<number | null>('expiresAt'),
  }),
);
const retireKey = statement('signingKeys.retire', (db) =>
  db.updateTable('signing_keys')
    .set({ retired_at: param<number>('retiredAt'), expires_at: param<number>('expiresAt') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).where('kid', '=', param('kid')),
);

export function toKey(r: SigningKeysTable): StoredSigningKey {
  return {
    kid: r.kid, alg: r.alg as SigningAlg, privateJwk: parseJson(r.private_jwk, {}), publicJwk: parseJson(r.public_jwk, {} as never),
    createdAt: r.created_at, retiredAt: r.retired_at, expiresAt: r.expires_at,
  };
}

export function signingKeyStore(x: SqlExecutor): SigningKeyStore {
  return {
    listPublished: async (tenantId, serverId, now) => (await x.all(listPublished, { tenantId, serverId, now })).map(toKey),
    insert: async (tenantId, serverId, k) => {
      await x.run(insertKey, {
        tenantId, serverId, kid: k.kid, alg: k.alg, privateJwk: JSON.stringify(k.privateJwk),
        publicJwk: JSON.stringify(k.publicJwk), createdAt: k.createdAt, retiredAt: k.retiredAt, expiresAt: k.expiresAt,
      });
    },
    retire: async (tenantId, serverId, kid, retiredAt, expiresAt) => {
      await x.run(retireKey, { tenantId, serverId, kid, retiredAt, expiresAt });
    },
  };
}
