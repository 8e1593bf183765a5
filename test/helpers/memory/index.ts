/**
 * An in-memory implementation of every storage port (src/core/ports.ts), for tests only. It is
 * held to the same storage contract as SQLite and PostgreSQL (test/storage/contract.test.ts), so
 * a unit test of core that runs on it in milliseconds proves what the real backends would do.
 */
import type { Stores } from '../../../src/core/ports.js';
import { adminStore, auditStore } from './admin-stores.js';
import { apiKeyStore, clientStore, registrationTokenStore, grantStore, serverStore, signingKeyStore, tenantStore, userStore } from './config-stores.js';
import { MemoryDatabase, type Tables } from './database.js';
import { pushedRequestStore } from './pushed-requests.js';
import { codeStore, cookieKeyStore, dpopJtiStore, interactionStore, loginAttemptStore, purgeStore, sessionStore, tokenStore } from './token-stores.js';
import { deviceCodeStore } from './device-stores.js';

export interface MemoryBackend {
  stores: Stores;
  db: MemoryDatabase;
}

export function createMemoryStores(): MemoryBackend {
  const db = new MemoryDatabase();
  const stores: Stores = {
    tenants: tenantStore(db),
    servers: serverStore(db),
    keys: signingKeyStore(db),
    clients: clientStore(db),
    users: userStore(db),
    grants: grantStore(db),
    codes: codeStore(db),
    tokens: tokenStore(db),
    sessions: sessionStore(db),
    interactions: interactionStore(db),
    loginAttempts: loginAttemptStore(db),
    cookieKeys: cookieKeyStore(db),
    apiKeys: apiKeyStore(db),
    registrationTokens: registrationTokenStore(db),
    admin: adminStore(db),
    audit: auditStore(db),
    purge: purgeStore(db),
    pushedRequests: pushedRequestStore(db),
    dpopJtis: dpopJtiStore(db),
    deviceCodes: deviceCodeStore(db),
    runExclusive: (name, fn) => db.exclusive(name, fn),
    transaction: (fn) => db.transaction(fn),
    // Every write is "durable" at once.
    sync: () => null,
    ping: async () => !db.closed,
    close: async () => { db.closed = true; },
  };
  return { stores, db };
}

/** The SQL name of each table that has a tenant, and how to find a row's tenant. */
const TENANT_TABLES: Record<string, [keyof Tables, (row: never) => string]> = {
  api_keys: ['apiKeys', (r: { tenantId: string }) => r.tenantId],
  audit_log: ['audit', (r: { tenantId: string }) => r.tenantId],
  authorization_codes: ['codes', (r: { tenantId: string }) => r.tenantId],
  client_secrets: ['clientSecrets', (r: { tenantId: string }) => r.tenantId],
  clients: ['clients', (r: { client: { tenantId: string } }) => r.client.tenantId],
  grants: ['grants', (r: { tenantId: string }) => r.tenantId],
  interactions: ['interactions', (r: { request: { tenantId: string } }) => r.request.tenantId],
  servers: ['servers', (r: { server: { tenantId: string } }) => r.server.tenantId],
  sessions: ['sessions', (r: { tenantId: string }) => r.tenantId],
  signing_keys: ['signingKeys', (r: { tenantId: string }) => r.tenantId],
  tokens: ['tokens', (r: { tenantId: string }) => r.tenantId],
  used_challenges: ['usedChallenges', (r: { tenantId: string }) => r.tenantId],
  users: ['users', (r: { tenantId: string }) => r.tenantId],
  pushed_authorization_requests: ['pushedRequests', (r: { tenantId: string }) => r.tenantId],
  dpop_jtis: ['dpopJtis', (r: { tenantId: string }) => r.tenantId],
  device_codes: ['deviceCodes', (r: { tenantId: string }) => r.tenantId],
};

/** The storage contract's look at every table (test/storage/contract-tenants.ts RawDatabase), by SQL table name. */
export function rawMemory(db: MemoryDatabase): {
  tenantTables(): Promise<string[]>;
  countByTenant(table: string, tenantId: string): Promise<number>;
  countLoginAttempts(prefix: string): Promise<number>;
} {
  return {
    tenantTables: async () => Object.keys(TENANT_TABLES).sort(),
    countByTenant: async (table, tenantId) => {
      const [name, tenantOf] = TENANT_TABLES[table]!;
      return [...(db.tables[name] as Map<string, never>).values()].filter((r) => tenantOf(r) === tenantId).length;
    },
    countLoginAttempts: async (prefix) => [...db.tables.loginAttempts.keys()].filter((k) => k.startsWith(prefix)).length,
  };
}
