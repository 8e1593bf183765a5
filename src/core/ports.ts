/**
 * Storage ports, one per concern. Every method is tenant-scoped; absence is `null`.
 * Implemented once in src/storage/ over Kysely-compiled statements for SQLite and PostgreSQL.
 */
import type {
  AuthorizationCode, AuthorizationServer, Client, ClientSecret, Grant, Interaction, Session,
  Tenant, TokenRecord, User,
} from './types.js';
import type { StoredKeyMaterial } from '../crypto/keys.js';

export interface TenantStore {
  get(tenantId: string): Promise<Tenant | null>;
  upsert(tenant: Tenant, now: number): Promise<void>;
  list(): Promise<Tenant[]>;
}

export interface ServerStore {
  get(tenantId: string, serverId: string): Promise<AuthorizationServer | null>;
  upsert(server: AuthorizationServer, now: number): Promise<void>;
  list(tenantId: string): Promise<AuthorizationServer[]>;
}

export interface StoredSigningKey extends StoredKeyMaterial {
  createdAt: number;
  /** After this time the key no longer signs but stays published until `expiresAt`. */
  retiredAt: number | null;
  expiresAt: number | null;
}

export interface SigningKeyStore {
  /** Keys still published in the JWKS (not expired), newest first. */
  listPublished(tenantId: string, serverId: string, now: number): Promise<StoredSigningKey[]>;
  insert(tenantId: string, serverId: string, key: StoredSigningKey): Promise<void>;
  retire(tenantId: string, serverId: string, kid: string, retiredAt: number, expiresAt: number): Promise<void>;
}

export interface ClientStore {
  find(tenantId: string, serverId: string, clientId: string): Promise<Client | null>;
  upsert(client: Client, now: number): Promise<void>;
  listSecrets(tenantId: string, serverId: string, clientId: string): Promise<ClientSecret[]>;
  addSecret(tenantId: string, serverId: string, clientId: string, secret: ClientSecret): Promise<void>;
  /** Replace the secrets declared by an import with the given ones (by name). */
  deleteSecretsByName(tenantId: string, serverId: string, clientId: string, names: string[]): Promise<void>;
  touchSecret(id: string, now: number): Promise<void>;
}

export interface UserStore {
  findByUsername(tenantId: string, username: string): Promise<User | null>;
  findById(tenantId: string, userId: string): Promise<User | null>;
  upsert(user: User, now: number): Promise<void>;
}

export interface GrantStore {
  find(tenantId: string, serverId: string, clientId: string, userId: string): Promise<Grant | null>;
  /** Create the grant, or widen its scopes to include `scopes`. Returns the grant id. */
  remember(grant: Omit<Grant, 'id' | 'lastUsedAt'> & { id: string }): Promise<string>;
  /** Record the grant's last use; at most once a minute (a use within the minute writes nothing). */
  touch(grantId: string, now: number): Promise<void>;
}

export interface CodeStore {
  save(code: AuthorizationCode): Promise<void>;
  /** Atomically mark the code used; returns the row the first time only, else null. */
  consume(hash: string, now: number): Promise<AuthorizationCode | null>;
  find(hash: string): Promise<AuthorizationCode | null>;
}

export interface TokenStore {
  save(token: TokenRecord): Promise<void>;
  find(hash: string): Promise<TokenRecord | null>;
  /** Atomically mark a refresh token rotated; returns it the first time only. */
  consume(hash: string, now: number): Promise<TokenRecord | null>;
  revoke(hash: string, now: number): Promise<void>;
  revokeByCode(codeHash: string, now: number): Promise<number>;
  revokeFamily(familyId: string, now: number): Promise<number>;
}

export interface SessionStore {
  save(session: Session): Promise<void>;
  find(hash: string, now: number): Promise<Session | null>;
  delete(hash: string): Promise<void>;
}

export interface InteractionStore {
  save(interaction: Interaction): Promise<void>;
  find(id: string, now: number): Promise<Interaction | null>;
  delete(id: string): Promise<void>;
}

export interface LoginAttempt {
  key: string;
  failures: number;
  lastFailureAt: number;
  lockedUntil: number | null;
}

/** Failed sign-in counters per account and per IP, persisted so a restart does not reset them. */
export interface LoginAttemptStore {
  get(key: string): Promise<LoginAttempt | null>;
  save(attempt: LoginAttempt): Promise<void>;
  clear(key: string): Promise<void>;
}

export interface Stores {
  tenants: TenantStore;
  servers: ServerStore;
  keys: SigningKeyStore;
  clients: ClientStore;
  users: UserStore;
  grants: GrantStore;
  codes: CodeStore;
  tokens: TokenStore;
  sessions: SessionStore;
  interactions: InteractionStore;
  loginAttempts: LoginAttemptStore;
  /** Run `fn` in one database transaction (import and admin changes; not the token path). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** True once storage is open and migrated (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Clock {
  /** Epoch seconds. */
  now(): number;
}
