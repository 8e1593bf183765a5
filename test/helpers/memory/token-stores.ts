/** Codes, tokens, sessions, parked requests, sign-in counters and the purge, in memory. */
import type {
  CodeStore, CookieKeyStore, DpopJtiStore, InteractionStore, LoginAttemptStore, PurgeStore, SessionStore, TokenStore,
} from '../../../src/core/ports.js';
import type { AuthorizationCode, AuthorizationRequest, TokenRecord } from '../../../src/core/types.js';
import { copy, key, type MemoryDatabase } from './database.js';

/**
 * As the SQL stores keep them: RFC 8707 resources only when there are some (none reads back
 * absent), a DPoP thumbprint only when there is one.
 */
function withResources<T extends { resources?: string[]; dpopJkt?: string }>(row: T): T {
  const { resources, dpopJkt, ...rest } = row;
  return { ...rest, ...(resources?.length ? { resources: [...resources] } : {}), ...(dpopJkt ? { dpopJkt } : {}) } as T;
}

export function codeStore(db: MemoryDatabase): CodeStore {
  const c = () => db.tables.codes;
  return {
    // As the SQL insert: a new code is neither consumed nor replayed, and repeats its redirect_uri unless told otherwise.
    save: (code) => db.op(() => {
      db.insert('codes', code.hash, withResources({ ...code, redirectUriGiven: code.redirectUriGiven !== false, consumedAt: null, replayedAt: null }));
    }),
    // One step, as the SQL UPDATE … RETURNING: exactly one caller gets the row.
    consume: (hash, now) => db.op(() => {
      const row = c().get(hash);
      if (!row || row.consumedAt !== null) return null;
      const consumed = { ...row, consumedAt: now };
      c().set(hash, consumed);
      const grant = db.tables.grants.get(row.grantId);
      const user = db.tables.users.get(key(row.tenantId, row.userId));
      return { ...copy(consumed), grantLive: grant !== undefined && grant.revokedAt === null, userLive: user !== undefined && !user.disabled };
    }),
    find: (hash) => db.op(() => {
      const row = c().get(hash);
      return row ? (copy(row) as AuthorizationCode) : null;
    }),
    markReplayed: (hash, now) => db.op(() => { db.updateWhere('codes', (r) => r.hash === hash, (r) => ({ ...r, replayedAt: now })); }),
  };
}

export function tokenStore(db: MemoryDatabase): TokenStore {
  const t = () => db.tables.tokens;
  const revokeWhere = (match: (r: TokenRecord) => boolean, now: number) =>
    db.updateWhere('tokens', (r) => r.revokedAt === null && match(r), (r) => ({ ...r, revokedAt: now }));
  return {
    // Born revoked when its code was replayed (TokenStore.save), never born consumed.
    save: (token) => db.op(() => {
      const replayedAt = token.codeHash === null ? null : (db.tables.codes.get(token.codeHash)?.replayedAt ?? null);
      db.insert('tokens', token.hash, withResources({ ...token, revokedAt: replayedAt, consumedAt: null }));
    }),
    find: (hash) => db.op(() => {
      const row = t().get(hash);
      return row ? copy(row) : null;
    }),
    consume: (hash, now) => db.op(() => {
      const row = t().get(hash);
      if (!row || row.consumedAt !== null || row.revokedAt !== null) return null;
      const consumed = { ...row, consumedAt: now };
      t().set(hash, consumed);
      return copy(consumed);
    }),
    revoke: (hash, now) => db.op(() => { revokeWhere((r) => r.hash === hash, now); }),
    revokeByCode: (codeHash, now) => db.op(() => revokeWhere((r) => r.codeHash === codeHash, now)),
    revokeFamily: (familyId, now) => db.op(() => revokeWhere((r) => r.familyId === familyId, now)),
    useChallenge: (tenantId, serverId, challenge, now) => db.op(() => {
      const k = key(tenantId, serverId, challenge);
      if (db.tables.usedChallenges.has(k)) return false;
      db.tables.usedChallenges.set(k, { tenantId, serverId, challenge, createdAt: now });
      return true;
    }),
    revokeByGrant: (grantId, now) => db.op(() => revokeWhere((r) => r.grantId === grantId, now)),
    revokeByClient: (tenantId, serverId, clientId, now) => db.op(() =>
      revokeWhere((r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId, now)),
  };
}

export function sessionStore(db: MemoryDatabase): SessionStore {
  return {
    save: (session) => db.op(() => { db.insert('sessions', session.hash, session); }),
    find: (hash, now) => db.op(() => {
      const row = db.tables.sessions.get(hash);
      return row && row.expiresAt > now ? copy(row) : null;
    }),
    delete: (hash) => db.op(() => { db.tables.sessions.delete(hash); }),
  };
}

/** A parked request as the SQL stores read it back: every optional field filled in. */
function normalRequest(q: AuthorizationRequest): AuthorizationRequest {
  return withResources({ ...copy(q), redirectUriGiven: q.redirectUriGiven !== false });
}

export function interactionStore(db: MemoryDatabase): InteractionStore {
  const i = () => db.tables.interactions;
  return {
    save: (interaction) => db.op(() => {
      db.insert('interactions', interaction.id, { ...interaction, request: normalRequest(interaction.request), ip: interaction.ip ?? '' });
    }),
    find: (id, now) => db.op(() => {
      const row = i().get(id);
      return row && row.expiresAt > now ? copy(row) : null;
    }),
    delete: (id) => db.op(() => { i().delete(id); }),
    countPending: (ip, now) => db.op(() => {
      let byIp = 0;
      let total = 0;
      for (const r of i().values()) {
        if (r.expiresAt <= now) continue;
        total++;
        if (r.ip === ip) byIp++;
      }
      return { ip: byIp, total };
    }),
  };
}

export function loginAttemptStore(db: MemoryDatabase): LoginAttemptStore {
  const a = () => db.tables.loginAttempts;
  return {
    get: (k) => db.op(() => {
      const row = a().get(k);
      return row ? copy(row) : null;
    }),
    save: (attempt) => db.op(() => { a().set(attempt.key, copy(attempt)); }),
    increment: (k, now, forgetBefore) => db.op(() => {
      const row = a().get(k);
      const next = row
        ? { ...row, failures: row.lastFailureAt < forgetBefore ? 1 : row.failures + 1, lastFailureAt: now }
        : { key: k, failures: 1, lastFailureAt: now, lockedUntil: null };
      a().set(k, next);
      return copy(next);
    }),
    decrement: (k) => db.op(() => { db.updateWhere('loginAttempts', (r) => r.key === k && r.failures > 0, (r) => ({ ...r, failures: r.failures - 1 })); }),
    lock: (k, until) => db.op(() => {
      db.updateWhere('loginAttempts', (r) => r.key === k && (r.lockedUntil === null || r.lockedUntil < until), (r) => ({ ...r, lockedUntil: until }));
    }),
    clear: (k) => db.op(() => { a().delete(k); }),
  };
}

export function purgeStore(db: MemoryDatabase): PurgeStore {
  return {
    purgeExpired: (c) => db.op(() => ({
      codes: db.deleteWhere('codes', (r) => r.expiresAt < c.expiredBefore),
      // Tokens without expiry stay until revoked.
      tokens: db.deleteWhere('tokens', (r) => (r.expiresAt !== null && r.expiresAt < c.expiredBefore)
        || (r.revokedAt !== null && r.revokedAt < c.expiredBefore)),
      sessions: db.deleteWhere('sessions', (r) => r.expiresAt < c.expiredBefore),
      interactions: db.deleteWhere('interactions', (r) => r.expiresAt < c.now),
      loginAttempts: db.deleteWhere('loginAttempts', (r) => r.lastFailureAt < c.loginFailuresBefore
        && (r.lockedUntil === null || r.lockedUntil < c.now)),
      dynamicClients: purgeIdleClients(db, c.now),
      pushedRequests: db.deleteWhere('pushedRequests', (r) => r.expiresAt <= c.now),
      dpopJtis: db.deleteWhere('dpopJtis', (r) => r.expiresAt < c.now),
      deviceCodes: db.deleteWhere('deviceCodes', (r) => r.expiresAt < c.expiredBefore),
    })),
  };
}

/** Dynamically registered clients unused past their idle expiry go, with their grants; their tokens are revoked. */
function purgeIdleClients(db: MemoryDatabase, now: number): number {
  let total = 0;
  for (const [k, r] of db.tables.clients) {
    const c = r.client;
    if (c.dynamic !== true || c.idleExpiresAt === null || c.idleExpiresAt === undefined || c.idleExpiresAt >= now) continue;
    const of = (t: { tenantId: string; serverId: string; clientId: string }) => t.tenantId === c.tenantId && t.serverId === c.serverId && t.clientId === c.clientId;
    db.updateWhere('tokens', (t) => of(t) && t.revokedAt === null, (t) => ({ ...t, revokedAt: now }));
    db.deleteWhere('grants', of);
    if (db.deleteClientRow(k)) total++;
  }
  return total;
}

export function cookieKeyStore(db: MemoryDatabase): CookieKeyStore {
  return {
    // INSERT … ON CONFLICT DO NOTHING, then read back: the first secret stored wins.
    getOrCreate: (id, secret, now) => db.op(() => {
      const found = db.tables.cookieKeys.get(id);
      if (found) return found.secret;
      db.tables.cookieKeys.set(id, { id, secret, createdAt: now });
      return secret;
    }),
  };
}

export function dpopJtiStore(db: MemoryDatabase): DpopJtiStore {
  return {
    // INSERT … ON CONFLICT DO NOTHING: only the first use of a proof id is fresh.
    use: (tenantId, serverId, jtiHash, expiresAt) => db.op(() => {
      const k = key(tenantId, serverId, jtiHash);
      if (db.tables.dpopJtis.has(k)) return false;
      db.tables.dpopJtis.set(k, { tenantId, serverId, jtiHash, expiresAt });
      return true;
    }),
  };
}
