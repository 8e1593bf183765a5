/** Tenants, servers, signing keys, clients with their secrets and API keys, users and grants, in memory. */
import type { ApiKeyStore, ClientStore, RegistrationTokenStore, GrantStore, ServerStore, SigningKeyStore, TenantStore, UserStore } from '../../../src/core/ports.js';
import type { Client, Grant, User } from '../../../src/core/types.js';
import { byteCompare, copy, key, UniqueViolation, type GrantRow, type MemoryDatabase } from './database.js';

/** Clients come back as the SQL stores read them: the optional flags as booleans, `dpopBoundAccessTokens` only when true. */
function normalClient(c: Client): Client {
  const { dpopBoundAccessTokens, ...rest } = copy(c);
  return {
    ...rest, requirePkce: c.requirePkce === true, nonWebRedirect: c.nonWebRedirect === true,
    ...(dpopBoundAccessTokens === true ? { dpopBoundAccessTokens: true } : {}),
  };
}

export function tenantStore(db: MemoryDatabase): TenantStore {
  const t = () => db.tables.tenants;
  return {
    get: (id) => db.op(() => {
      const row = t().get(id);
      return row ? { id: row.id, name: row.name } : null;
    }),
    list: () => db.op(() => [...t().values()].sort((a, b) => byteCompare(a.id, b.id)).map(({ id, name }) => ({ id, name }))),
    upsert: (tenant, now) => db.op(() => {
      const existing = t().get(tenant.id);
      t().set(tenant.id, { id: tenant.id, name: tenant.name, createdAt: existing?.createdAt ?? now });
    }),
  };
}

export function serverStore(db: MemoryDatabase): ServerStore {
  const s = () => db.tables.servers;
  return {
    get: (tenantId, id) => db.op(() => {
      const row = s().get(key(tenantId, id));
      return row ? copy(row.server) : null;
    }),
    list: (tenantId) => db.op(() => [...s().values()].filter((r) => r.server.tenantId === tenantId)
      .sort((a, b) => byteCompare(a.server.id, b.server.id)).map((r) => copy(r.server))),
    listFirst: (limit, exceptTenant) => db.op(() => [...s().values()].filter((r) => r.server.tenantId !== exceptTenant)
      .sort((a, b) => byteCompare(a.server.tenantId, b.server.tenantId) || byteCompare(a.server.id, b.server.id))
      .slice(0, limit).map((r) => ({ tenantId: r.server.tenantId, id: r.server.id }))),
    upsert: (server, now) => db.op(() => {
      db.requireTenant('servers', server.tenantId);
      const k = key(server.tenantId, server.id);
      s().set(k, { server: copy(server), createdAt: s().get(k)?.createdAt ?? now });
    }),
  };
}

export function signingKeyStore(db: MemoryDatabase): SigningKeyStore {
  return {
    listPublished: (tenantId, serverId, now) => db.op(() => [...db.tables.signingKeys.values()]
      .filter((r) => r.tenantId === tenantId && r.serverId === serverId && (r.key.expiresAt === null || r.key.expiresAt > now))
      // kid breaks ties, as in the SQL stores: every process picks the same key.
      .sort((a, b) => b.key.createdAt - a.key.createdAt || byteCompare(b.key.kid, a.key.kid))
      .map((r) => copy(r.key))),
    insert: (tenantId, serverId, k) => db.op(() => {
      db.requireServer('signing_keys', tenantId, serverId);
      db.insert('signingKeys', k.kid, { tenantId, serverId, key: k });
    }),
    retire: (tenantId, serverId, kid, retiredAt, expiresAt) => db.op(() => {
      db.updateWhere('signingKeys', (r) => r.tenantId === tenantId && r.serverId === serverId && r.key.kid === kid,
        (r) => ({ ...r, key: { ...r.key, retiredAt, expiresAt } }));
    }),
  };
}

export function clientStore(db: MemoryDatabase): ClientStore {
  const c = () => db.tables.clients;
  const ofClient = (tenantId: string, serverId: string, clientId: string) =>
    (r: { tenantId: string; serverId: string; clientId: string }) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId;
  const liveSecret = (tenantId: string, serverId: string, clientId: string, id: string) => {
    const of = ofClient(tenantId, serverId, clientId);
    return (r: Parameters<typeof of>[0] & { secret: { id: string; revokedAt: number | null } }) => of(r) && r.secret.id === id && r.secret.revokedAt === null;
  };
  return {
    find: (tenantId, serverId, clientId) => db.op(() => {
      const row = c().get(key(tenantId, serverId, clientId));
      return row ? normalClient(row.client) : null;
    }),
    upsert: (client, now) => db.op(() => {
      db.requireServer('clients', client.tenantId, client.serverId);
      const k = key(client.tenantId, client.serverId, client.clientId);
      c().set(k, { client: normalClient(client), createdAt: c().get(k)?.createdAt ?? now });
    }),
    listSecrets: (tenantId, serverId, clientId) => db.op(() => [...db.tables.clientSecrets.values()]
      .filter(ofClient(tenantId, serverId, clientId)).sort((a, b) => a.secret.createdAt - b.secret.createdAt).map((r) => copy(r.secret))),
    addSecret: (tenantId, serverId, clientId, secret) => db.op(() => {
      db.requireClient('client_secrets', tenantId, serverId, clientId);
      db.insert('clientSecrets', secret.id, { tenantId, serverId, clientId, secret });
    }),
    deleteSecretsByName: (tenantId, serverId, clientId, names) => db.op(() => {
      const of = ofClient(tenantId, serverId, clientId);
      db.deleteWhere('clientSecrets', (r) => of(r) && names.includes(r.secret.name));
    }),
    touchSecret: (id, now) => db.op(() => {
      db.updateWhere('clientSecrets', (r) => r.secret.id === id, (r) => ({ ...r, secret: { ...r.secret, lastUsedAt: now } }));
    }),
    listOriginSources: (tenantId, serverId) => db.op(() => [...c().values()]
      .filter((r) => r.client.tenantId === tenantId && r.client.serverId === serverId)
      .map((r) => ({ redirectUris: [...r.client.redirectUris], allowedOrigins: [...r.client.allowedOrigins] }))),
    listByOwner: (tenantId, serverId, ownerUserId) => db.op(() => [...c().values()]
      .filter((r) => r.client.tenantId === tenantId && r.client.serverId === serverId && r.client.ownerUserId === ownerUserId)
      .sort((a, b) => b.createdAt - a.createdAt).map((r) => normalClient(r.client))),
    delete: (tenantId, serverId, clientId) => db.op(() => { db.deleteClientRow(key(tenantId, serverId, clientId)); }),
    revokeSecret: (tenantId, serverId, clientId, id, now) => db.op(() => db.updateWhere('clientSecrets',
      liveSecret(tenantId, serverId, clientId, id), (r) => ({ ...r, secret: { ...r.secret, revokedAt: now } }))),
    setSecretExpiry: (tenantId, serverId, clientId, id, expiresAt) => db.op(() => db.updateWhere('clientSecrets',
      liveSecret(tenantId, serverId, clientId, id), (r) => ({ ...r, secret: { ...r.secret, expiresAt } }))),
    countDynamic: (tenantId, serverId) => db.op(() => [...c().values()]
      .filter((r) => r.client.tenantId === tenantId && r.client.serverId === serverId && r.client.dynamic === true).length),
    touchDynamic: (tenantId, serverId, clientId, idleExpiresAt) => db.op(() => {
      const row = c().get(key(tenantId, serverId, clientId));
      if (row?.client.dynamic === true) row.client = { ...row.client, idleExpiresAt };
    }),
  };
}

export function registrationTokenStore(db: MemoryDatabase): RegistrationTokenStore {
  const t = () => db.tables.registrationTokens;
  return {
    add: (token) => db.op(() => {
      db.requireServer('registration_tokens', token.tenantId, token.serverId);
      db.insert('registrationTokens', token.id, copy(token));
    }),
    list: (tenantId, serverId) => db.op(() => [...t().values()]
      .filter((r) => r.tenantId === tenantId && r.serverId === serverId)
      .sort((a, b) => b.createdAt - a.createdAt || byteCompare(a.id, b.id)).map(copy)),
    findByHash: (hash) => db.op(() => {
      const row = [...t().values()].find((r) => r.hash === hash);
      return row ? copy(row) : null;
    }),
    use: (hash, now) => db.op(() => {
      const row = [...t().values()].find((r) => r.hash === hash && r.revokedAt === null
        && (r.expiresAt === null || r.expiresAt > now) && r.uses < r.maxUses);
      if (!row) return null;
      row.uses += 1;
      return copy(row);
    }),
    revoke: (tenantId, serverId, id, now) => db.op(() => db.updateWhere('registrationTokens',
      (r) => r.tenantId === tenantId && r.serverId === serverId && r.id === id && r.revokedAt === null, (r) => ({ ...r, revokedAt: now }))),
  };
}

export function apiKeyStore(db: MemoryDatabase): ApiKeyStore {
  const k = () => db.tables.apiKeys;
  const live = (tenantId: string, serverId: string, clientId: string, id: string) => (r: { tenantId: string; serverId: string; clientId: string; id: string; revokedAt: number | null }) =>
    r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId && r.id === id && r.revokedAt === null;
  return {
    list: (tenantId, serverId, clientId) => db.op(() => [...k().values()]
      .filter((r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId)
      .sort((a, b) => a.createdAt - b.createdAt).map(copy)),
    add: (apiKey) => db.op(() => {
      db.requireClient('api_keys', apiKey.tenantId, apiKey.serverId, apiKey.clientId);
      // The hash is unique: API keys are looked up by it alone.
      for (const r of k().values()) if (r.hash === apiKey.hash) throw new UniqueViolation('api_keys', 'key_hash');
      db.insert('apiKeys', apiKey.id, apiKey);
    }),
    findByHash: (hash) => db.op(() => {
      for (const r of k().values()) if (r.hash === hash) return copy(r);
      return null;
    }),
    revoke: (tenantId, serverId, clientId, id, now) => db.op(() =>
      db.updateWhere('apiKeys', live(tenantId, serverId, clientId, id), (r) => ({ ...r, revokedAt: now }))),
    setExpiry: (tenantId, serverId, clientId, id, expiresAt) => db.op(() =>
      db.updateWhere('apiKeys', live(tenantId, serverId, clientId, id), (r) => ({ ...r, expiresAt }))),
    deleteByName: (tenantId, serverId, clientId, names) => db.op(() => {
      db.deleteWhere('apiKeys', (r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId && names.includes(r.name));
    }),
    touch: (id, now) => db.op(() => { db.updateWhere('apiKeys', (r) => r.id === id, (r) => ({ ...r, lastUsedAt: now })); }),
  };
}

export function findUserByName(db: MemoryDatabase, tenantId: string, username: string): User | undefined {
  for (const u of db.tables.users.values()) if (u.tenantId === tenantId && u.username === username) return u;
  return undefined;
}

export function userStore(db: MemoryDatabase): UserStore {
  return {
    findByUsername: (tenantId, username) => db.op(() => {
      const u = findUserByName(db, tenantId, username);
      return u ? copy(u) : null;
    }),
    findById: (tenantId, id) => db.op(() => {
      const u = db.tables.users.get(key(tenantId, id));
      return u ? copy(u) : null;
    }),
    // ON CONFLICT (tenant_id, username): the existing user keeps its id; another user's id is a conflict.
    upsert: (user, _now) => db.op(() => {
      db.requireTenant('users', user.tenantId);
      const existing = findUserByName(db, user.tenantId, user.username);
      if (existing) {
        db.tables.users.set(key(existing.tenantId, existing.id), {
          ...existing, passwordHash: user.passwordHash, email: user.email, name: user.name, disabled: user.disabled,
        });
      } else {
        db.insert('users', key(user.tenantId, user.id), user);
      }
    }),
    // UPDATE … WHERE password_hash = old: a password changed since the check is kept.
    rehashPassword: (tenantId, id, oldHash, newHash, _now) => db.op(() =>
      db.updateWhere('users', (r) => r.tenantId === tenantId && r.id === id && r.passwordHash === oldHash, (r) => ({ ...r, passwordHash: newHash })) > 0),
  };
}

/** Last use to the minute, as in the SQL store. */
const TOUCH_INTERVAL = 60;

function toGrant(r: GrantRow): Grant {
  const { revokedAt: _revoked, ...grant } = r;
  return copy(grant);
}

export function grantStore(db: MemoryDatabase): GrantStore {
  const g = () => db.tables.grants;
  const byKey = (tenantId: string, serverId: string, clientId: string, userId: string) => {
    for (const r of g().values()) {
      if (r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId && r.userId === userId) return r;
    }
    return undefined;
  };
  return {
    find: (tenantId, serverId, clientId, userId) => db.op(() => {
      const r = byKey(tenantId, serverId, clientId, userId);
      return r && r.revokedAt === null ? toGrant(r) : null;
    }),
    remember: (grant) => db.op(() => {
      const existing = byKey(grant.tenantId, grant.serverId, grant.clientId, grant.userId);
      if (!existing) {
        db.insert('grants', grant.id, { ...grant, lastUsedAt: null, revokedAt: null });
        return grant.id;
      }
      // A revoked grant starts again from the new scopes, under a new id; a live one widens.
      const previous = existing.revokedAt === null ? existing.scopes : [];
      const id = existing.revokedAt === null ? existing.id : grant.id;
      if (id !== existing.id && g().has(id)) throw new UniqueViolation('grants', id);
      g().delete(existing.id);
      g().set(id, { ...existing, id, scopes: [...new Set([...previous, ...grant.scopes])], revokedAt: null });
      return id;
    }),
    touch: (id, now) => db.op(() => {
      db.updateWhere('grants', (r) => r.id === id && (r.lastUsedAt === null || r.lastUsedAt <= now - TOUCH_INTERVAL), (r) => ({ ...r, lastUsedAt: now }));
    }),
    listByUser: (tenantId, userId) => db.op(() => [...g().values()]
      .filter((r) => r.tenantId === tenantId && r.userId === userId && r.revokedAt === null)
      // Never-used grants last, then newest first.
      .sort((a, b) => (a.lastUsedAt === null ? 1 : 0) - (b.lastUsedAt === null ? 1 : 0)
        || (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0) || b.createdAt - a.createdAt)
      .map(toGrant)),
    revoke: (tenantId, userId, id, now) => db.op(() => db.updateWhere('grants',
      (r) => r.tenantId === tenantId && r.userId === userId && r.id === id && r.revokedAt === null, (r) => ({ ...r, revokedAt: now }))),
    revokeByClient: (tenantId, serverId, clientId, now) => db.op(() => db.updateWhere('grants',
      (r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId && r.revokedAt === null, (r) => ({ ...r, revokedAt: now }))),
  };
}
