/**
 * The tables of the in-memory backend, and what SQL gives the real ones for free: primary keys and
 * unique constraints (a second row with the same key is refused), foreign keys with their
 * cascades, transactions that roll back, and the rule of every backend that an explicit
 * transaction holds every other statement until it ends (core/ports.ts `Stores.transaction`).
 *
 * Rows are never changed in place: an update stores a new object, so a transaction's snapshot is
 * a shallow copy of each Map, and a row handed to a caller is a copy it may change freely.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditEntry, LoginAttempt, StoredSigningKey } from '../../../src/core/ports.js';
import type { DeviceCode, PushedAuthorizationRequest, RegistrationToken } from '../../../src/core/types.js';
import type {
  ApiKey, AuthorizationCode, AuthorizationServer, Client, ClientSecret, Grant, Interaction, Session, TokenRecord, User,
} from '../../../src/core/types.js';

/** A second row with the same primary or unique key (SQLite SQLITE_CONSTRAINT_*, PostgreSQL 23505). */
export class UniqueViolation extends Error {
  readonly code = 'UNIQUE_VIOLATION';
  constructor(table: string, key: string) { super(`UNIQUE constraint failed: ${table} (${key})`); }
}

/** A row that points at a parent row that does not exist (SQLite SQLITE_CONSTRAINT_FOREIGNKEY, PostgreSQL 23503). */
export class ForeignKeyViolation extends Error {
  readonly code = 'FOREIGN_KEY_VIOLATION';
  constructor(table: string, parent: string) { super(`FOREIGN KEY constraint failed: ${table} → ${parent}`); }
}

export interface ServerRow { server: AuthorizationServer; createdAt: number }
export interface ClientRow { client: Client; createdAt: number }
export interface KeyRow { tenantId: string; serverId: string; key: StoredSigningKey }
export interface SecretRow { tenantId: string; serverId: string; clientId: string; secret: ClientSecret }
export interface GrantRow extends Grant { revokedAt: number | null }
export interface ChallengeRow { tenantId: string; serverId: string; challenge: string; createdAt: number }

/** Every table, keyed as its SQL primary key (composite keys joined with NUL). Maps keep insertion order, like rowids. */
export interface Tables {
  tenants: Map<string, { id: string; name: string; createdAt: number }>;
  servers: Map<string, ServerRow>;
  signingKeys: Map<string, KeyRow>;
  clients: Map<string, ClientRow>;
  clientSecrets: Map<string, SecretRow>;
  apiKeys: Map<string, ApiKey>;
  users: Map<string, User>;
  grants: Map<string, GrantRow>;
  /** Every optional field filled in, as SQL reads it back; `resources` and `dpopJkt` absent when there are none. */
  codes: Map<string, Required<Omit<AuthorizationCode, 'resources' | 'dpopJkt'>> & Pick<AuthorizationCode, 'resources' | 'dpopJkt'>>;
  tokens: Map<string, TokenRecord>;
  sessions: Map<string, Session>;
  interactions: Map<string, Interaction>;
  loginAttempts: Map<string, LoginAttempt>;
  usedChallenges: Map<string, ChallengeRow>;
  audit: Map<string, AuditEntry>;
  registrationTokens: Map<string, RegistrationToken>;
  cookieKeys: Map<string, { id: string; secret: string; createdAt: number }>;
  pushedRequests: Map<string, PushedAuthorizationRequest>;
  dpopJtis: Map<string, { tenantId: string; serverId: string; jtiHash: string; expiresAt: number }>;
  deviceCodes: Map<string, DeviceCode>;
}

const TABLES = [
  'tenants', 'servers', 'signingKeys', 'clients', 'clientSecrets', 'apiKeys', 'users', 'grants', 'codes', 'tokens',
  'sessions', 'interactions', 'loginAttempts', 'usedChallenges', 'audit', 'registrationTokens', 'cookieKeys',
  'pushedRequests',
  'dpopJtis',
  'deviceCodes',
] as const satisfies readonly (keyof Tables)[];

/** A composite key. */
export const key = (...parts: string[]): string => parts.join('\0');

/** A copy the caller may change without changing the table. */
export const copy = <T>(value: T): T => structuredClone(value);

/** Text compared as SQLite compares it, and PostgreSQL under COLLATE "C": by UTF-8 bytes. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function emptyTables(): Tables {
  return Object.fromEntries(TABLES.map((t) => [t, new Map()])) as unknown as Tables;
}

export class MemoryDatabase {
  tables: Tables = emptyTables();
  closed = false;
  /** Settles when the running explicit transaction ends; statements from outside it wait for that. */
  private txDone: Promise<void> | null = null;
  private readonly inTx = new AsyncLocalStorage<boolean>();
  private readonly running = new Set<string>();

  /**
   * Run one statement: it waits while another caller's transaction runs, then runs `fn` in the
   * same synchronous step (no await between the check and the work), so it is atomic.
   */
  async op<T>(fn: () => T): Promise<T> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    if (this.closed) throw new Error('the in-memory database is closed');
    return fn();
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) return fn();
    while (this.txDone) await this.txDone;
    let release!: () => void;
    this.txDone = new Promise((r) => (release = r));
    const snapshot = Object.fromEntries(TABLES.map((t) => [t, new Map(this.tables[t] as Map<string, unknown>)])) as unknown as Tables;
    try {
      return await this.inTx.run(true, fn);
    } catch (err) {
      this.tables = snapshot;
      throw err;
    } finally {
      this.txDone = null;
      release();
    }
  }

  /** Within this process only, as on SQLite. */
  async exclusive(name: string, fn: () => Promise<void>): Promise<boolean> {
    if (this.running.has(name)) return false;
    this.running.add(name);
    try {
      await fn();
      return true;
    } finally {
      this.running.delete(name);
    }
  }

  /** Insert under a primary key that must be new. */
  insert<K extends keyof Tables>(table: K, k: string, row: Tables[K] extends Map<string, infer R> ? R : never): void {
    const map = this.tables[table] as Map<string, unknown>;
    if (map.has(k)) throw new UniqueViolation(table, k);
    map.set(k, copy(row));
  }

  requireTenant(table: string, tenantId: string): void {
    if (!this.tables.tenants.has(tenantId)) throw new ForeignKeyViolation(table, 'tenants');
  }

  requireServer(table: string, tenantId: string, serverId: string): void {
    if (!this.tables.servers.has(key(tenantId, serverId))) throw new ForeignKeyViolation(table, 'servers');
  }

  requireClient(table: string, tenantId: string, serverId: string, clientId: string): void {
    if (!this.tables.clients.has(key(tenantId, serverId, clientId))) throw new ForeignKeyViolation(table, 'clients');
  }

  /** Delete the rows `match` picks; returns how many. */
  deleteWhere<K extends keyof Tables>(table: K, match: (row: Tables[K] extends Map<string, infer R> ? R : never) => boolean): number {
    const map = this.tables[table] as Map<string, Parameters<typeof match>[0]>;
    let n = 0;
    for (const [k, row] of map) {
      if (match(row)) {
        map.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Replace the rows `match` picks with `change(row)`; returns how many. */
  updateWhere<K extends keyof Tables, R = Tables[K] extends Map<string, infer X> ? X : never>(
    table: K, match: (row: R) => boolean, change: (row: R) => R,
  ): number {
    const map = this.tables[table] as unknown as Map<string, R>;
    let n = 0;
    for (const [k, row] of map) {
      if (match(row)) {
        map.set(k, change(row));
        n++;
      }
    }
    return n;
  }

  /** ON DELETE CASCADE from a client: its secrets and API keys. */
  deleteClientRow(k: string): boolean {
    const row = this.tables.clients.get(k);
    if (!row) return false;
    this.tables.clients.delete(k);
    const { tenantId, serverId, clientId } = row.client;
    const of = (r: { tenantId: string; serverId: string; clientId: string }) => r.tenantId === tenantId && r.serverId === serverId && r.clientId === clientId;
    this.deleteWhere('clientSecrets', of);
    this.deleteWhere('apiKeys', of);
    return true;
  }

  /** ON DELETE CASCADE from a server: its signing keys and clients. */
  deleteServerRow(k: string): boolean {
    const row = this.tables.servers.get(k);
    if (!row) return false;
    this.tables.servers.delete(k);
    const { tenantId, id } = row.server;
    this.deleteWhere('signingKeys', (r) => r.tenantId === tenantId && r.serverId === id);
    this.deleteWhere('registrationTokens', (r) => r.tenantId === tenantId && r.serverId === id);
    this.deleteWhere('pushedRequests', (r) => r.tenantId === tenantId && r.serverId === id);
    for (const [ck, c] of this.tables.clients) if (c.client.tenantId === tenantId && c.client.serverId === id) this.deleteClientRow(ck);
    return true;
  }

  /** ON DELETE CASCADE from a tenant: its servers and users. */
  deleteTenantRow(tenantId: string): boolean {
    if (!this.tables.tenants.delete(tenantId)) return false;
    for (const [k, s] of this.tables.servers) if (s.server.tenantId === tenantId) this.deleteServerRow(k);
    this.deleteWhere('users', (u) => u.tenantId === tenantId);
    return true;
  }
}
