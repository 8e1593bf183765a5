import type { TokenStore } from '../../core/ports.js';
import type { TokenKind, TokenRecord } from '../../core/types.js';
import { decodeResources, encodeResources } from '../../core/resource.js';
import type { Kysely } from 'kysely';
import { dialectOf, param, statement, type SqlExecutor } from '../prepared.js';
import type { DB, TokensTable } from '../schema.js';

const insertToken = statement('tokens.insert', (db) =>
  db.insertInto('tokens').values((eb) => ({
    hash: param('hash'), kind: param('kind'), tenant_id: param('tenantId'), server_id: param('serverId'),
    client_id: param('clientId'), user_id: param<string | null>('userId'), scope: param('scope'),
    created_at: param<number>('createdAt'), expires_at: param<number | null>('expiresAt'),
    // Born revoked when its code was replayed (TokenStore.save). On PostgreSQL the row lock makes
    // a replay that is marking the code either finish first (seen here) or wait for this insert
    // (then its revokeByCode sees the token); SQLite runs one writer at a time.
    revoked_at: replayedAt(db, eb.selectFrom('authorization_codes').select('replayed_at')
      .where('authorization_codes.hash', '=', param<string | null>('codeHash'))),
    code_hash: param<string | null>('codeHash'), family_id: param<string | null>('familyId'),
    grant_id: param<string | null>('grantId'), consumed_at: null, auth_time: param<number | null>('authTime'),
    code_challenge: param<string | null>('codeChallenge'), code_challenge_method: param<string | null>('codeChallengeMethod'),
    family_started_at: param<number | null>('familyStartedAt'), resource: param<string | null>('resource'),
    dpop_jkt: param<string | null>('dpopJkt'),
  })),
);

function replayedAt<Q extends { forShare(): Q }>(db: Kysely<DB>, q: Q): Q {
  return dialectOf(db) === 'postgres' ? q.forShare() : q;
}
const findToken = statement('tokens.find', (db) => db.selectFrom('tokens').selectAll().where('hash', '=', param('hash')));
const consumeToken = statement('tokens.consume', (db) =>
  db.updateTable('tokens').set({ consumed_at: param<number>('now') })
    .where('hash', '=', param('hash')).where('consumed_at', 'is', null).where('revoked_at', 'is', null).returningAll(),
);
const revokeToken = statement('tokens.revoke', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') }).where('hash', '=', param('hash')).where('revoked_at', 'is', null),
);
const revokeByCode = statement('tokens.revokeByCode', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('code_hash', '=', param('codeHash')).where('revoked_at', 'is', null),
);
const revokeFamily = statement('tokens.revokeFamily', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('family_id', '=', param('familyId')).where('revoked_at', 'is', null),
);

const useChallenge = statement('usedChallenges.use', (db) =>
  db.insertInto('used_challenges')
    .values({ tenant_id: param('tenantId'), server_id: param('serverId'), challenge: param('challenge'), created_at: param<number>('now') })
    .onConflict((oc) => oc.doNothing()),
);
const revokeByGrant = statement('tokens.revokeByGrant', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('grant_id', '=', param('grantId')).where('revoked_at', 'is', null),
);
const revokeByClient = statement('tokens.revokeByClient', (db) =>
  db.updateTable('tokens').set({ revoked_at: param<number>('now') })
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).where('revoked_at', 'is', null),
);

export function toToken(r: TokensTable): TokenRecord {
  return {
    hash: r.hash, kind: r.kind as TokenKind, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id,
    userId: r.user_id, scope: r.scope, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at,
    codeHash: r.code_hash, familyId: r.family_id, grantId: r.grant_id, consumedAt: r.consumed_at, authTime: r.auth_time,
    codeChallenge: r.code_challenge, codeChallengeMethod: r.code_challenge_method as TokenRecord['codeChallengeMethod'],
    familyStartedAt: r.family_started_at, ...(r.resource ? { resources: decodeResources(r.resource) } : {}),
    ...(r.dpop_jkt ? { dpopJkt: r.dpop_jkt } : {}),
  };
}

export function tokenStore(x: SqlExecutor): TokenStore {
  return {
    save: async (t) => { await x.run(insertToken, { ...t, resource: encodeResources(t.resources), dpopJkt: t.dpopJkt ?? null }); },
    find: async (hash) => {
      const r = await x.first(findToken, { hash });
      return r ? toToken(r) : null;
    },
    consume: async (hash, now) => {
      const r = await x.first(consumeToken, { hash, now });
      return r ? toToken(r) : null;
    },
    revoke: async (hash, now) => { await x.run(revokeToken, { hash, now }); },
    revokeByCode: (codeHash, now) => x.run(revokeByCode, { codeHash, now }),
    revokeFamily: (familyId, now) => x.run(revokeFamily, { familyId, now }),
    useChallenge: async (tenantId, serverId, challenge, now) => (await x.run(useChallenge, { tenantId, serverId, challenge, now })) === 1,
    revokeByGrant: (grantId, now) => x.run(revokeByGrant, { grantId, now }),
    revokeByClient: (tenantId, serverId, clientId, now) => x.run(revokeByClient, { tenantId, serverId, clientId, now }),
  };
}
