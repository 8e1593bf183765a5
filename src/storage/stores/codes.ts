import type { CodeStore } from '../../core/ports.js';
import type { AuthorizationCode } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { AuthorizationCodesTable } from '../schema.js';
import { decodeResources, encodeResources } from '../../core/resource.js';

const insertCode = statement('codes.insert', (db) =>
  db.insertInto('authorization_codes').values({
    hash: param('hash'), tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
    user_id: param('userId'), grant_id: param('grantId'), redirect_uri: param('redirectUri'), redirect_uri_given: param<number>('redirectUriGiven'), scope: param('scope'),
    code_challenge: param<string | null>('codeChallenge'), code_challenge_method: param<string | null>('codeChallengeMethod'),
    nonce: param<string | null>('nonce'), auth_time: param<number>('authTime'), expires_at: param<number>('expiresAt'),
    consumed_at: null, created_at: param<number>('createdAt'), resource: param<string | null>('resource'),
    dpop_jkt: param<string | null>('dpopJkt'),
  }),
);
// One statement: the row comes back only to the caller whose UPDATE flipped consumed_at, with
// whether its grant and its user are still live, so the exchange needs no more reads.
const consumeCode = statement('codes.consume', (db) =>
  db.updateTable('authorization_codes').set({ consumed_at: param<number>('now') })
    .where('hash', '=', param('hash')).where('consumed_at', 'is', null)
    .returningAll()
    .returning((eb) => [
      eb.selectFrom('grants').select(eb.lit(1).as('one'))
        .whereRef('grants.id', '=', 'authorization_codes.grant_id').where('grants.revoked_at', 'is', null)
        .as('grant_live'),
      eb.selectFrom('users').select(eb.lit(1).as('one'))
        .whereRef('users.tenant_id', '=', 'authorization_codes.tenant_id').whereRef('users.id', '=', 'authorization_codes.user_id')
        .where('users.disabled', '=', eb.lit(0))
        .as('user_live'),
    ]),
);
const markReplayed = statement('codes.markReplayed', (db) =>
  db.updateTable('authorization_codes').set({ replayed_at: param<number>('now') }).where('hash', '=', param('hash')),
);
const findCode = statement('codes.find', (db) => db.selectFrom('authorization_codes').selectAll().where('hash', '=', param('hash')));

function toCode(r: AuthorizationCodesTable): AuthorizationCode {
  return {
    hash: r.hash, tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, userId: r.user_id,
    grantId: r.grant_id, redirectUri: r.redirect_uri, redirectUriGiven: Number(r.redirect_uri_given) !== 0, scope: r.scope, codeChallenge: r.code_challenge,
    codeChallengeMethod: r.code_challenge_method as AuthorizationCode['codeChallengeMethod'], nonce: r.nonce,
    authTime: r.auth_time, expiresAt: r.expires_at, consumedAt: r.consumed_at, createdAt: r.created_at,
    replayedAt: r.replayed_at, ...(r.resource ? { resources: decodeResources(r.resource) } : {}),
    ...(r.dpop_jkt ? { dpopJkt: r.dpop_jkt } : {}),
  };
}

export function codeStore(x: SqlExecutor): CodeStore {
  return {
    save: async (c) => {
      await x.run(insertCode, {
        ...c, redirectUriGiven: c.redirectUriGiven === false ? 0 : 1, resource: encodeResources(c.resources), dpopJkt: c.dpopJkt ?? null,
      });
    },
    consume: async (hash, now) => {
      const r = await x.first(consumeCode, { hash, now });
      return r ? { ...toCode(r), grantLive: r.grant_live !== null, userLive: r.user_live !== null } : null;
    },
    markReplayed: async (hash, now) => { await x.run(markReplayed, { hash, now }); },
    find: async (hash) => {
      const r = await x.first(findCode, { hash });
      return r ? toCode(r) : null;
    },
  };
}
