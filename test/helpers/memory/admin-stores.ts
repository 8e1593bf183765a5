/** The admin API's listings and changes, and the audit log, in memory. Every listing in byte order of its key. */
import type { AdminStore, AuditStore } from '../../../src/core/ports.js';
import type { TokenRecord } from '../../../src/core/types.js';
import { byteCompare, copy, key, type GrantRow, type MemoryDatabase } from './database.js';

/** Whether `s` is in the range of strings that start with `prefix`, as the SQL stores bound it. */
function inPrefixRange(s: string, prefix: string): boolean {
  return byteCompare(s, prefix) >= 0 && byteCompare(s, `${prefix}\u{10FFFF}`) < 0;
}

/** SQLite's lower(): ASCII letters only. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());

export function adminStore(db: MemoryDatabase): AdminStore {
  const revokeTokens = (match: (r: TokenRecord) => boolean, now: number) =>
    db.updateWhere('tokens', (r) => r.revokedAt === null && match(r), (r) => ({ ...r, revokedAt: now }));
  const clients = (tenantId: string) => [...db.tables.clients.values()].filter((r) => r.client.tenantId === tenantId);
  const adminGrant = (r: GrantRow) => copy(r);
  return {
    listClients: (tenantId, serverId, after, limit, dynamic) => db.op(() => clients(tenantId)
      .filter((r) => dynamic === undefined || dynamic === null || (r.client.dynamic === true) === dynamic)
      .filter((r) => (serverId === null
        ? byteCompare(r.client.serverId, after.serverId) > 0
          || (r.client.serverId === after.serverId && byteCompare(r.client.clientId, after.clientId) > 0)
        : r.client.serverId === serverId && byteCompare(r.client.clientId, after.clientId) > 0))
      .sort((a, b) => byteCompare(a.client.serverId, b.client.serverId) || byteCompare(a.client.clientId, b.client.clientId))
      .slice(0, limit).map((r) => copy(r.client))),
    deleteClient: (tenantId, serverId, clientId, now) => db.transaction(() => db.op(() => {
      revokeTokens((r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId, now);
      db.deleteWhere('grants', (r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId);
      return db.deleteClientRow(key(tenantId, serverId, clientId));
    })),
    revokeSecret: (tenantId, serverId, clientId, id, now) => db.op(() => db.updateWhere('clientSecrets',
      (r) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId && r.secret.id === id && r.secret.revokedAt === null,
      (r) => ({ ...r, secret: { ...r.secret, revokedAt: now } })) > 0),
    listUsers: (tenantId, after, limit) => db.op(() => [...db.tables.users.values()]
      .filter((u) => u.tenantId === tenantId && byteCompare(u.username, after) > 0)
      .sort((a, b) => byteCompare(a.username, b.username)).slice(0, limit).map(copy)),
    // A disabled user's sessions end at once, and so do their tokens.
    setUserDisabled: (tenantId, id, disabled, now) => db.transaction(() => db.op(() => {
      const changed = db.updateWhere('users', (u) => u.tenantId === tenantId && u.id === id, (u) => ({ ...u, disabled })) > 0;
      if (changed && disabled) {
        db.deleteWhere('sessions', (s) => s.tenantId === tenantId && s.userId === id);
        revokeTokens((r) => r.tenantId === tenantId && r.userId === id, now);
      }
      return changed;
    })),
    setUserPassword: (tenantId, id, passwordHash) => db.op(() =>
      db.updateWhere('users', (u) => u.tenantId === tenantId && u.id === id, (u) => ({ ...u, passwordHash })) > 0),
    listGrants: (tenantId, after, limit) => db.op(() => [...db.tables.grants.values()]
      .filter((g) => g.tenantId === tenantId && byteCompare(g.id, after) > 0)
      .sort((a, b) => byteCompare(a.id, b.id)).slice(0, limit).map(adminGrant)),
    findGrant: (tenantId, id) => db.op(() => {
      const g = db.tables.grants.get(id);
      return g && g.tenantId === tenantId ? adminGrant(g) : null;
    }),
    revokeGrant: (tenantId, id, now) => db.transaction(() => db.op(() => {
      const changed = db.updateWhere('grants', (g) => g.tenantId === tenantId && g.id === id && g.revokedAt === null, (g) => ({ ...g, revokedAt: now })) > 0;
      revokeTokens((r) => r.tenantId === tenantId && r.grantId === id, now);
      return changed;
    })),
    listTokens: (tenantId, before, limit) => db.op(() => [...db.tables.tokens.values()]
      .filter((t) => t.tenantId === tenantId
        && (t.createdAt < before.createdAt || (t.createdAt === before.createdAt && byteCompare(t.hash, before.hash) < 0)))
      .sort((a, b) => b.createdAt - a.createdAt || byteCompare(b.hash, a.hash)).slice(0, limit).map(copy)),
    findToken: (tenantId, hash) => db.op(() => {
      const t = db.tables.tokens.get(hash);
      return t && t.tenantId === tenantId ? copy(t) : null;
    }),
    revokeToken: (tenantId, hash, now) => db.transaction(() => db.op(() => {
      const t = db.tables.tokens.get(hash);
      if (!t || t.tenantId !== tenantId) return false;
      revokeTokens((r) => r.hash === hash, now);
      // RFC 7009 §2.1: revoking a refresh token revokes the tokens of its family too.
      if (t.kind === 'refresh' && t.familyId) revokeTokens((r) => r.tenantId === tenantId && r.familyId === t.familyId, now);
      return true;
    })),
    listSigningKeys: (tenantId, serverId) => db.op(() => [...db.tables.signingKeys.values()]
      .filter((r) => r.tenantId === tenantId && r.serverId === serverId)
      .sort((a, b) => b.key.createdAt - a.key.createdAt).map((r) => copy(r.key))),
    listTenants: (after, limit, prefix) => db.op(() => [...db.tables.tenants.values()]
      .filter((t) => byteCompare(t.id, after) > 0 && (prefix === null || prefix === ''
        || inPrefixRange(t.id, prefix) || inPrefixRange(asciiLower(t.name), prefix)))
      .sort((a, b) => byteCompare(a.id, b.id)).slice(0, limit).map(({ id, name }) => ({ id, name }))),
    listServers: (tenantId, after, limit, prefix) => db.op(() => [...db.tables.servers.values()]
      .filter((r) => r.server.tenantId === tenantId && byteCompare(r.server.id, after) > 0 && inPrefixRange(r.server.id, prefix ?? ''))
      .sort((a, b) => byteCompare(a.server.id, b.server.id)).slice(0, limit).map((r) => copy(r.server))),
    // The SQL stores go in committed batches; in memory one step is as good (nothing else runs meanwhile).
    deleteTenantRows: (tenantId) => db.op(() => {
      const ofTenant = (r: { tenantId: string }) => r.tenantId === tenantId;
      let total = 0;
      total += db.deleteWhere('tokens', ofTenant);
      total += db.deleteWhere('codes', ofTenant);
      total += db.deleteWhere('grants', ofTenant);
      total += db.deleteWhere('sessions', ofTenant);
      total += db.deleteWhere('interactions', (r) => r.request.tenantId === tenantId);
      total += db.deleteWhere('audit', ofTenant);
      total += db.deleteWhere('usedChallenges', ofTenant);
      total += db.deleteWhere('dpopJtis', ofTenant);
      total += db.deleteWhere('deviceCodes', ofTenant);
      for (const [k, r] of db.tables.clients) if (r.client.tenantId === tenantId && db.deleteClientRow(k)) total++;
      total += db.deleteWhere('users', ofTenant);
      for (const [k, r] of db.tables.servers) if (r.server.tenantId === tenantId && db.deleteServerRow(k)) total++;
      // Sign-in throttling is keyed by `acct:{tenant}:{username}` and `dev:{tenant}:{device}` (core/interaction/login.ts).
      total += db.deleteWhere('loginAttempts', (r) => r.key.startsWith(`acct:${tenantId}:`) || r.key.startsWith(`dev:${tenantId}:`));
      return total;
    }),
    deleteTenant: (tenantId) => db.op(() => db.deleteTenantRow(tenantId)),
  };
}

export function auditStore(db: MemoryDatabase): AuditStore {
  return {
    append: (entry) => db.op(() => { db.insert('audit', entry.id, entry); }),
    list: (tenantId, before, limit) => db.op(() => [...db.tables.audit.values()]
      .filter((e) => e.tenantId === tenantId
        && (e.createdAt < before.createdAt || (e.createdAt === before.createdAt && byteCompare(e.id, before.id) < 0)))
      .sort((a, b) => b.createdAt - a.createdAt || byteCompare(b.id, a.id)).slice(0, limit).map(copy)),
  };
}
