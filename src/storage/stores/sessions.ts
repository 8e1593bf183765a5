import type { InteractionStore, LoginAttemptStore, SessionStore } from '../../core/ports.js';
import type { AuthorizationRequest } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import { parseJson } from './json.js';

const insertSession = statement((db) =>
  db.insertInto('sessions').values({
    hash: param('hash'), tenant_id: param('tenantId'), user_id: param('userId'), auth_time: param<number>('authTime'),
    expires_at: param<number>('expiresAt'), created_at: param<number>('authTime'),
  }),
);
const findSession = statement((db) =>
  db.selectFrom('sessions').selectAll().where('hash', '=', param('hash')).where('expires_at', '>', param<number>('now')),
);
const deleteSession = statement((db) => db.deleteFrom('sessions').where('hash', '=', param('hash')));

export function sessionStore(x: SqlExecutor): SessionStore {
  return {
    save: async (s) => { await x.run(insertSession, { ...s }); },
    find: async (hash, now) => {
      const r = await x.first(findSession, { hash, now });
      return r ? { hash: r.hash, tenantId: r.tenant_id, userId: r.user_id, authTime: r.auth_time, expiresAt: r.expires_at } : null;
    },
    delete: async (hash) => { await x.run(deleteSession, { hash }); },
  };
}

const insertInteraction = statement((db) =>
  db.insertInto('interactions').values({
    id: param('id'), tenant_id: param('tenantId'), request: param('request'), created_at: param<number>('createdAt'),
    expires_at: param<number>('expiresAt'),
  }),
);
const findInteraction = statement((db) =>
  db.selectFrom('interactions').selectAll().where('id', '=', param('id')).where('expires_at', '>', param<number>('now')),
);
const deleteInteraction = statement((db) => db.deleteFrom('interactions').where('id', '=', param('id')));

export function interactionStore(x: SqlExecutor): InteractionStore {
  return {
    save: async (i) => {
      await x.run(insertInteraction, {
        id: i.id, tenantId: i.request.tenantId, request: JSON.stringify(i.request), createdAt: i.createdAt, expiresAt: i.expiresAt,
      });
    },
    find: async (id, now) => {
      const r = await x.first(findInteraction, { id, now });
      if (!r) return null;
      return { id: r.id, request: parseJson<AuthorizationRequest>(r.request, null as never), createdAt: r.created_at, expiresAt: r.expires_at };
    },
    delete: async (id) => { await x.run(deleteInteraction, { id }); },
  };
}

const getAttempt = statement((db) => db.selectFrom('login_attempts').selectAll().where('key', '=', param('key')));
const saveAttempt = statement((db) =>
  db.insertInto('login_attempts')
    .values({ key: param('key'), failures: param<number>('failures'), last_failure_at: param<number>('lastFailureAt'), locked_until: param<number | null>('lockedUntil') })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      failures: param<number>('failures'), last_failure_at: param<number>('lastFailureAt'), locked_until: param<number | null>('lockedUntil'),
    })),
);
// One atomic statement: parallel failures each count (no read-then-write).
const incrementAttempt = statement((db, { sql }) =>
  db.insertInto('login_attempts')
    .values({ key: param('key'), failures: 1, last_failure_at: param<number>('now'), locked_until: null })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      failures: sql<number>`case when login_attempts.last_failure_at < ${param<number>('forgetBefore')} then 1 else login_attempts.failures + 1 end`,
      last_failure_at: param<number>('now'),
    }))
    .returningAll(),
);
const clearAttempt = statement((db) => db.deleteFrom('login_attempts').where('key', '=', param('key')));

export function loginAttemptStore(x: SqlExecutor): LoginAttemptStore {
  return {
    get: async (key) => {
      const r = await x.first(getAttempt, { key });
      return r ? { key: r.key, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until } : null;
    },
    save: async (a) => { await x.run(saveAttempt, { ...a }); },
    clear: async (key) => { await x.run(clearAttempt, { key }); },
    increment: async (key, now, forgetBefore) => {
      const r = (await x.first(incrementAttempt, { key, now, forgetBefore }))!;
      return { key: r.key, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until };
    },
  };
}
