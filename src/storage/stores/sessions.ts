import { OAUTH21_POLICY } from '../../core/policy.js';
import type { CookieKeyStore, InteractionStore, LoginAttemptStore, SessionStore } from '../../core/ports.js';
import type { AuthorizationRequest } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import { parseJson } from './json.js';

const insertSession = statement('sessions.insert', (db) =>
  db.insertInto('sessions').values({
    hash: param('hash'), tenant_id: param('tenantId'), user_id: param('userId'), auth_time: param<number>('authTime'),
    expires_at: param<number>('expiresAt'), created_at: param<number>('authTime'),
  }),
);
const findSession = statement('sessions.find', (db) =>
  db.selectFrom('sessions').selectAll().where('hash', '=', param('hash')).where('expires_at', '>', param<number>('now')),
);
const deleteSession = statement('sessions.delete', (db) => db.deleteFrom('sessions').where('hash', '=', param('hash')));

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

const insertInteraction = statement('interactions.insert', (db) =>
  db.insertInto('interactions').values({
    id: param('id'), tenant_id: param('tenantId'), request: param('request'), created_at: param<number>('createdAt'),
    expires_at: param<number>('expiresAt'), ip: param('ip'),
  }),
);
const findInteraction = statement('interactions.find', (db) =>
  db.selectFrom('interactions').selectAll().where('id', '=', param('id')).where('expires_at', '>', param<number>('now')),
);
const deleteInteraction = statement('interactions.delete', (db) => db.deleteFrom('interactions').where('id', '=', param('id')));
const countByIp = statement('interactions.countByIp', (db) =>
  db.selectFrom('interactions').select((eb) => eb.fn.countAll().as('n'))
    .where('ip', '=', param('ip')).where('expires_at', '>', param<number>('now')),
);
const countAll = statement('interactions.countAll', (db) =>
  db.selectFrom('interactions').select((eb) => eb.fn.countAll().as('n')).where('expires_at', '>', param<number>('now')),
);

/**
 * A parked request as stored: short keys, and nothing that is null, empty or the default, so
 * that an anonymous /authorize costs a row of a few hundred bytes. Rows written before this
 * form (full AuthorizationRequest JSON, with `tenantId`) are still read.
 *
 * `d` is the endpoint policy's name, absent for the OAuth 2.1 one. Earlier releases wrote the
 * same values there (`d: 'stackexchange'`), and `dialect` in the full JSON form.
 */
interface CompactRequest {
  t: string; s: string; c: string; r: string; g?: 0; y?: 'token'; sc?: string; st?: string; cc?: string; cm?: 'S256' | 'plain';
  n?: string; p?: string; m?: number; d?: string; rs?: string[];
  /** RFC 9449 §10 dpop_jkt. */
  dj?: string;
  /** RFC 8628: the hash of the device code the sign-in approves. */
  dc?: string;
}

/** The full JSON form, as earlier releases wrote it. */
type FullRequest = Omit<AuthorizationRequest, 'policy'> & { policy?: string; dialect?: string };

function encodeRequest(q: AuthorizationRequest): string {
  const c: CompactRequest = { t: q.tenantId, s: q.serverId, c: q.clientId, r: q.redirectUri };
  if (q.redirectUriGiven === false) c.g = 0;
  if (q.responseType === 'token') c.y = 'token';
  if (q.scopes.length) c.sc = q.scopes.join(' ');
  if (q.state !== null) c.st = q.state;
  if (q.codeChallenge !== null) c.cc = q.codeChallenge;
  if (q.codeChallengeMethod !== null) c.cm = q.codeChallengeMethod;
  if (q.nonce !== null) c.n = q.nonce;
  if (q.prompt.length) c.p = q.prompt.join(' ');
  if (q.maxAge !== null) c.m = q.maxAge;
  if (q.policy !== OAUTH21_POLICY) c.d = q.policy;
  if (q.resources?.length) c.rs = q.resources;
  if (q.dpopJkt) c.dj = q.dpopJkt;
  if (q.deviceCode) c.dc = q.deviceCode;
  return JSON.stringify(c);
}

function decodeRequest(text: string): AuthorizationRequest {
  const v = parseJson<CompactRequest | FullRequest>(text, null as never);
  if ('tenantId' in v) {
    const { dialect, ...rest } = v;
    return { ...rest, policy: rest.policy ?? dialect ?? OAUTH21_POLICY };
  }
  return {
    tenantId: v.t, serverId: v.s, clientId: v.c, redirectUri: v.r, redirectUriGiven: v.g !== 0, responseType: v.y ?? 'code',
    scopes: v.sc ? v.sc.split(' ') : [], state: v.st ?? null, codeChallenge: v.cc ?? null, codeChallengeMethod: v.cm ?? null,
    nonce: v.n ?? null, prompt: v.p ? v.p.split(' ') : [], maxAge: v.m ?? null, policy: v.d ?? OAUTH21_POLICY,
    ...(v.rs?.length ? { resources: v.rs } : {}),
    ...(v.dj ? { dpopJkt: v.dj } : {}),
    ...(v.dc ? { deviceCode: v.dc } : {}),
  };
}

export function interactionStore(x: SqlExecutor): InteractionStore {
  return {
    save: async (i) => {
      await x.run(insertInteraction, {
        id: i.id, tenantId: i.request.tenantId, request: encodeRequest(i.request), createdAt: i.createdAt, expiresAt: i.expiresAt, ip: i.ip ?? '',
      });
    },
    find: async (id, now) => {
      const r = await x.first(findInteraction, { id, now });
      if (!r) return null;
      return { id: r.id, request: decodeRequest(r.request), createdAt: r.created_at, expiresAt: r.expires_at, ip: r.ip };
    },
    delete: async (id) => { await x.run(deleteInteraction, { id }); },
    countPending: async (ip, now) => {
      const [byIp, all] = await Promise.all([x.first(countByIp, { ip, now }), x.first(countAll, { now })]);
      return { ip: Number(byIp?.n ?? 0), total: Number(all?.n ?? 0) };
    },
  };
}

const getAttempt = statement('loginAttempts.get', (db) => db.selectFrom('login_attempts').selectAll().where('key', '=', param('key')));
const saveAttempt = statement('loginAttempts.save', (db) =>
  db.insertInto('login_attempts')
    .values({ key: param('key'), failures: param<number>('failures'), last_failure_at: param<number>('lastFailureAt'), locked_until: param<number | null>('lockedUntil') })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      failures: param<number>('failures'), last_failure_at: param<number>('lastFailureAt'), locked_until: param<number | null>('lockedUntil'),
    })),
);
// One atomic statement: parallel failures each count (no read-then-write).
const incrementAttempt = statement('loginAttempts.increment', (db, { sql }) =>
  db.insertInto('login_attempts')
    .values({ key: param('key'), failures: 1, last_failure_at: param<number>('now'), locked_until: null })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      failures: sql<number>`case when login_attempts.last_failure_at < ${param<number>('forgetBefore')} then 1 else login_attempts.failures + 1 end`,
      last_failure_at: param<number>('now'),
    }))
    .returningAll(),
);
const decrementAttempt = statement('loginAttempts.decrement', (db, { sql }) =>
  db.updateTable('login_attempts').set({ failures: sql<number>`failures - 1` }).where('key', '=', param('key')).where('failures', '>', 0),
);
const lockAttempt = statement('loginAttempts.lock', (db) =>
  db.updateTable('login_attempts').set({ locked_until: param<number>('until') }).where('key', '=', param('key'))
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', param<number>('until'))])),
);
const clearAttempt = statement('loginAttempts.clear', (db) => db.deleteFrom('login_attempts').where('key', '=', param('key')));

export function loginAttemptStore(x: SqlExecutor): LoginAttemptStore {
  return {
    get: async (key) => {
      const r = await x.first(getAttempt, { key });
      return r ? { key: r.key, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until } : null;
    },
    save: async (a) => { await x.run(saveAttempt, { ...a }); },
    clear: async (key) => { await x.run(clearAttempt, { key }); },
    decrement: async (key) => { await x.run(decrementAttempt, { key }); },
    lock: async (key, until) => { await x.run(lockAttempt, { key, until }); },
    increment: async (key, now, forgetBefore) => {
      const r = (await x.first(incrementAttempt, { key, now, forgetBefore }))!;
      return { key: r.key, failures: r.failures, lastFailureAt: r.last_failure_at, lockedUntil: r.locked_until };
    },
  };
}

const insertCookieKey = statement('cookieKeys.insert', (db) =>
  db.insertInto('cookie_keys').values({ id: param('id'), secret: param('secret'), created_at: param<number>('now') })
    .onConflict((oc) => oc.column('id').doNothing()),
);
const getCookieKey = statement('cookieKeys.get', (db) => db.selectFrom('cookie_keys').select('secret').where('id', '=', param('id')));

export function cookieKeyStore(x: SqlExecutor): CookieKeyStore {
  return {
    getOrCreate: async (id, secret, now) => {
      const found = await x.first(getCookieKey, { id });
      if (found) return found.secret;
      // Insert-or-keep, then read back: a process that lost the race gets the winner's key.
      await x.run(insertCookieKey, { id, secret, now });
      const stored = await x.first(getCookieKey, { id });
      if (!stored) throw new Error('cookie key vanished while being created');
      return stored.secret;
    },
  };
}
