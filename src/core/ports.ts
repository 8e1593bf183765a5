/**
 * Storage ports, one per concern; absence is `null`. Implemented once in src/storage/ over
 * Kysely-compiled statements for SQLite and PostgreSQL.
 *
 * Most methods take the tenant (and server) they act in. These do not:
 * - a row found or changed by a key unique across tenants: a token, code or session hash, an
 *   interaction, grant, secret or API-key id (CodeStore, TokenStore but `useChallenge` and
 *   `revokeByClient`, SessionStore, InteractionStore's `find`/`delete`, `ClientStore.touchSecret`,
 *   `ApiKeyStore.findByHash`/`touch`, `GrantStore.touch`). The row carries its tenant: the caller
 *   compares it with the tenant it serves (core/tokens/lookup.ts, for instance);
 * - a new row that carries its tenant (`ApiKeyStore.add`, `GrantStore.remember`, the `save`s);
 * - across tenants on purpose: `TenantStore.list`, `ServerStore.listFirst`,
 *   `AdminStore.listTenants`, `InteractionStore.countPending` (per IP), LoginAttemptStore (an
 *   account's key holds its tenant, an IP's does not), PurgeStore and CookieKeyStore (one
 *   key per installation).
 */
import type {
  ApiKey, AuthorizationCode, AuthorizationServer, Client, ClientSecret, Grant, Interaction, RegistrationToken, Session,
  Tenant, TokenRecord, User, DeviceCode,
} from './types.js';
import type { PushedAuthorizationRequest } from './types.js';
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
  /** The first `limit` servers of every tenant but `exceptTenant`, by tenant and id (one query, any number of tenants). */
  listFirst(limit: number, exceptTenant: string): Promise<{ tenantId: string; id: string }[]>;
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

/** What a client's CORS origins are made of (core/cors.ts originsOf). */
export type ClientOriginSource = Pick<Client, 'redirectUris' | 'allowedOrigins'>;

export interface ClientStore {
  find(tenantId: string, serverId: string, clientId: string): Promise<Client | null>;
  upsert(client: Client, now: number): Promise<void>;
  listSecrets(tenantId: string, serverId: string, clientId: string): Promise<ClientSecret[]>;
  addSecret(tenantId: string, serverId: string, clientId: string, secret: ClientSecret): Promise<void>;
  /** Replace the secrets declared by an import with the given ones (by name). */
  deleteSecretsByName(tenantId: string, serverId: string, clientId: string, names: string[]): Promise<void>;
  touchSecret(id: string, now: number): Promise<void>;
  /**
   * Redirect URIs and allowed origins of every client of a server (the CORS preflight answer).
   * Cached for a few seconds; the same array comes back while cached, so callers may memoise on it.
   */
  listOriginSources(tenantId: string, serverId: string): Promise<readonly ClientOriginSource[]>;
  /** Apps a user registered in the portal. */
  listByOwner(tenantId: string, serverId: string, ownerUserId: string): Promise<Client[]>;
  /** Removes the client with its secrets and API keys (tokens are revoked by the caller). */
  delete(tenantId: string, serverId: string, clientId: string): Promise<void>;
  /** Returns the number of secrets changed (0 when the id is not this client's). */
  revokeSecret(tenantId: string, serverId: string, clientId: string, id: string, now: number): Promise<number>;
  setSecretExpiry(tenantId: string, serverId: string, clientId: string, id: string, expiresAt: number | null): Promise<number>;
  /** How many dynamically registered clients the server has (the cap of RFC 7591 registration). */
  countDynamic(tenantId: string, serverId: string): Promise<number>;
  /** Set a dynamic client's idle expiry (no effect on other clients). */
  touchDynamic(tenantId: string, serverId: string, clientId: string, idleExpiresAt: number): Promise<void>;
}

/** Initial access tokens for RFC 7591 registration, stored hashed. */
export interface RegistrationTokenStore {
  add(token: RegistrationToken): Promise<void>;
  /** The server's tokens, newest first (revoked and used-up ones included). */
  list(tenantId: string, serverId: string): Promise<RegistrationToken[]>;
  findByHash(hash: string): Promise<RegistrationToken | null>;
  /**
   * Count one registration against the token, atomically: returns the token when it was live
   * (not revoked, not expired at `now`, uses below max_uses), else null and nothing changes.
   */
  use(hash: string, now: number): Promise<RegistrationToken | null>;
  /** Returns the number of tokens revoked (0 when the id is not the server's or already revoked). */
  revoke(tenantId: string, serverId: string, id: string, now: number): Promise<number>;
}

/** API keys, stored hashed. */
export interface ApiKeyStore {
  list(tenantId: string, serverId: string, clientId: string): Promise<ApiKey[]>;
  add(key: ApiKey): Promise<void>;
  findByHash(hash: string): Promise<ApiKey | null>;
  revoke(tenantId: string, serverId: string, clientId: string, id: string, now: number): Promise<number>;
  setExpiry(tenantId: string, serverId: string, clientId: string, id: string, expiresAt: number | null): Promise<number>;
  /** Replace the keys declared by an import with the given ones (by name). */
  deleteByName(tenantId: string, serverId: string, clientId: string, names: string[]): Promise<void>;
  touch(id: string, now: number): Promise<void>;
}

export interface UserStore {
  findByUsername(tenantId: string, username: string): Promise<User | null>;
  findById(tenantId: string, userId: string): Promise<User | null>;
  upsert(user: User, now: number): Promise<void>;
  /**
   * Replace a password hash made at older parameters with `newHash` (after a successful sign-in),
   * only while the stored hash is still `oldHash`: a password changed meanwhile is kept. False when not replaced.
   */
  rehashPassword(tenantId: string, userId: string, oldHash: string, newHash: string, now: number): Promise<boolean>;
}

export interface GrantStore {
  find(tenantId: string, serverId: string, clientId: string, userId: string): Promise<Grant | null>;
  /** Create the grant, or widen its scopes to include `scopes`. Returns the grant id. */
  remember(grant: Omit<Grant, 'id' | 'lastUsedAt'> & { id: string }): Promise<string>;
  /** Record the grant's last use; at most once a minute (a use within the minute writes nothing). */
  touch(grantId: string, now: number): Promise<void>;
  /** The user's live grants in a tenant, most recently used first. */
  listByUser(tenantId: string, userId: string): Promise<Grant[]>;
  /** Revoke one of the user's grants; returns 0 when it is not theirs or already revoked. */
  revoke(tenantId: string, userId: string, grantId: string, now: number): Promise<number>;
  revokeByClient(tenantId: string, serverId: string, clientId: string, now: number): Promise<number>;
}

/** A code as its exchange consumed it, with the state of what it was issued under. */
export interface ConsumedCode extends AuthorizationCode {
  /** Its grant is still the user's live grant (not revoked, not replaced by a new consent). */
  grantLive: boolean;
  /** Its user still exists and is not disabled. */
  userLive: boolean;
}

export interface CodeStore {
  save(code: AuthorizationCode): Promise<void>;
  /** Atomically mark the code used; returns the row the first time only, else null. */
  consume(hash: string, now: number): Promise<ConsumedCode | null>;
  find(hash: string): Promise<AuthorizationCode | null>;
  markReplayed(hash: string, now: number): Promise<void>;
}

export interface TokenStore {
  /**
   * Record a token. A token issued from a code (codeHash set) is stored already revoked when
   * that code was replayed: checked in the same statement, so a replay racing the exchange
   * (RFC 6749 §4.1.2) revokes it either through this check or through revokeByCode after it.
   */
  save(token: TokenRecord): Promise<void>;
  find(hash: string): Promise<TokenRecord | null>;
  /** Atomically mark a refresh token rotated; returns it the first time only. */
  consume(hash: string, now: number): Promise<TokenRecord | null>;
  revoke(hash: string, now: number): Promise<void>;
  revokeByCode(codeHash: string, now: number): Promise<number>;
  revokeFamily(familyId: string, now: number): Promise<number>;
  /** Record that a PKCE challenge was used for a token; false if it was used before (atomic). */
  useChallenge(tenantId: string, serverId: string, challenge: string, now: number): Promise<boolean>;
  revokeByGrant(grantId: string, now: number): Promise<number>;
  revokeByClient(tenantId: string, serverId: string, clientId: string, now: number): Promise<number>;
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
  /** Interactions not yet expired: started from this IP, and in all. */
  countPending(ip: string, now: number): Promise<{ ip: number; total: number }>;
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
  /** Count one more failure atomically (from 1 again once the last is older than forgetBefore). */
  increment(key: string, now: number, forgetBefore: number): Promise<LoginAttempt>;
  /** Take one back (an attempt counted before its check that then succeeded). */
  decrement(key: string): Promise<void>;
  /** Lock the key until `until`, unless it is already locked for longer. */
  lock(key: string, until: number): Promise<void>;
  clear(key: string): Promise<void>;
}

/**
 * Server-side keys for what Pixie signs in cookies (CSRF tokens, device cookies), by name. Not
 * tenant-scoped: one installation, one key per name.
 */
export interface CookieKeyStore {
  /**
   * The key stored under `id`; stores `secret` first when there is none. Atomic: processes that
   * race on the first need all get the one that was stored.
   */
  getOrCreate(id: string, secret: string, now: number): Promise<string>;
}

export interface PurgeCutoffs {
  /** Codes, tokens and sessions that expired (or tokens revoked) before this. */
  expiredBefore: number;
  /** Login-attempt counters whose last failure is older than this and that are not locked. */
  loginFailuresBefore: number;
  /** Login locks that ended before this; interactions (sign-ins in progress) that expired before this. */
  now: number;
}

export interface PurgeCounts {
  codes: number;
  tokens: number;
  sessions: number;
  interactions: number;
  loginAttempts: number;
  /** Dynamically registered clients whose idle expiry passed (deleted with their grants; tokens revoked). */
  dynamicClients: number;
  /** Pushed authorization requests (RFC 9126) that expired unused. */
  pushedRequests: number;
  /** Remembered DPoP proof ids whose proofs are too old to be accepted anyway. */
  dpopJtis: number;
  /** RFC 8628 device codes that expired before `expiredBefore`. */
  deviceCodes: number;
}

/** Deletes rows nothing can use any more, in small batches so writers are not held up. */
export interface PurgeStore {
  purgeExpired(cutoffs: PurgeCutoffs): Promise<PurgeCounts>;
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
  cookieKeys: CookieKeyStore;
  apiKeys: ApiKeyStore;
  registrationTokens: RegistrationTokenStore;
  admin: AdminStore;
  audit: AuditStore;
  purge: PurgeStore;
  pushedRequests: PushedRequestStore;
  dpopJtis: DpopJtiStore;
  deviceCodes: DeviceCodeStore;
  /** Run a periodic job in at most one process at a time; resolves false when another holds it. */
  runExclusive(name: string, fn: () => Promise<void>): Promise<boolean>;
  /**
   * Run `fn` in one database transaction (import and admin changes; not the token path).
   *
   * The one rule: on SQLite, a transaction holds every other statement of the process until it
   * ends: the statements of other requests, the token endpoint's included, wait for it (SQLite
   * has one writer, and the executor batches each event-loop turn's reads and writes, which
   * cannot share a turn with an open transaction). So keep it short, and never await anything
   * but these stores inside it: no HTTP call, no timer, no work queued on the thread pool
   * (scrypt, crypto/keys.ts's key queue; createServerKeys makes its key synchronously). Do such
   * work before, and write its result inside. On PostgreSQL it holds one pooled connection.
   * Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Resolves once every write so far is durable; every response waits for it (SQLite group
   * commit). Null when nothing is waiting to be committed (no promise to allocate and await).
   */
  sync(): Promise<void> | null;
  /** True while storage can be written: a tiny write, its answer reused for a second (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Fetches a JSON document from a URL a client named, safely (timeouts, size limit, no private addresses). */
export interface ClientDocumentFetcher {
  /** Throws an Error whose message says why the document could not be had. */
  fetchJson(url: string): Promise<unknown>;
}

export interface Clock {
  /** Epoch seconds. */
  now(): number;
}

/**
 * Listings and changes the admin API needs. Lists are keyset-paginated: `after`
 * is the sort key of the previous page's last row ('' for the first page).
 */
export interface AdminStore {
  /** `dynamic`: only dynamically registered clients (true), only the others (false), or all (null/absent). */
  listClients(
    tenantId: string, serverId: string | null, after: { serverId: string; clientId: string }, limit: number, dynamic?: boolean | null,
  ): Promise<Client[]>;
  /** Deletes the client with its secrets and API keys, revokes its tokens and forgets its grants. */
  deleteClient(tenantId: string, serverId: string, clientId: string, now: number): Promise<boolean>;
  revokeSecret(tenantId: string, serverId: string, clientId: string, secretId: string, now: number): Promise<boolean>;
  /** Ordered by username. */
  listUsers(tenantId: string, afterUsername: string, limit: number): Promise<User[]>;
  setUserDisabled(tenantId: string, userId: string, disabled: boolean, now: number): Promise<boolean>;
  setUserPassword(tenantId: string, userId: string, passwordHash: string, now: number): Promise<boolean>;
  /** Ordered by id; revoked grants included. */
  listGrants(tenantId: string, afterId: string, limit: number): Promise<AdminGrant[]>;
  findGrant(tenantId: string, grantId: string): Promise<AdminGrant | null>;
  /** Marks the grant revoked and revokes every token issued under it. */
  revokeGrant(tenantId: string, grantId: string, now: number): Promise<boolean>;
  /** Newest first. */
  listTokens(tenantId: string, before: { createdAt: number; hash: string }, limit: number): Promise<TokenRecord[]>;
  findToken(tenantId: string, hash: string): Promise<TokenRecord | null>;
  /** Revokes the token; a refresh token takes its family with it. */
  revokeToken(tenantId: string, hash: string, now: number): Promise<boolean>;
  /** Every signing key of the server, expired ones included, newest first. */
  listSigningKeys(tenantId: string, serverId: string): Promise<StoredSigningKey[]>;
  /**
   * Ordered by id. `prefix` (lower case): only tenants whose id, or whose name with ASCII letters
   * in lower case, starts with it.
   */
  listTenants(afterId: string, limit: number, prefix: string | null): Promise<Tenant[]>;
  /** The tenant's servers ordered by id; `prefix`: only ids that start with it. */
  listServers(tenantId: string, afterId: string, limit: number, prefix: string | null): Promise<AuthorizationServer[]>;
  /**
   * Removes everything in the tenant but the tenant itself (servers, keys, clients, secrets, API
   * keys, users, grants, codes, tokens, sessions, interactions, sign-in counters, its audit log), in
   * short batches that each commit on their own: other tenants are served in between. Not
   * atomic: run it again (or delete the tenant) after an interruption. Returns the rows removed.
   */
  deleteTenantRows(tenantId: string): Promise<number>;
  /** Removes the tenant's row (what is left in it goes by cascade); false when there was none. */
  deleteTenant(tenantId: string): Promise<boolean>;
}

export interface AdminGrant extends Grant {
  revokedAt: number | null;
}

export interface AuditEntry {
  id: string;
  /** The tenant whose configuration changed. */
  tenantId: string;
  /** Who: the admin client (tenant + client id); tenant null for the `pixie admin` command line. */
  actorTenantId: string | null;
  actorClientId: string;
  /** What: e.g. `client.create`, `secret.revoke`. */
  action: string;
  target: string;
  /** Never a secret: callers pass ids, names and changed field names only. */
  details: Record<string, unknown>;
  createdAt: number;
}

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(tenantId: string, before: { createdAt: number; id: string }, limit: number): Promise<AuditEntry[]>;
}

/**
 * Pushed authorization requests (RFC 9126), keyed by the sha256 of their request_uri. `take`
 * is the single use: one statement that hands the row to exactly one caller, in any process.
 */
export interface PushedRequestStore {
  save(request: PushedAuthorizationRequest): Promise<void>;
  /**
   * The request of this client, removed as it is returned; null when there is none: never
   * pushed, already taken, expired (`expiresAt <= now`), or pushed by another client (then left
   * in place for its own client).
   */
  take(tenantId: string, serverId: string, clientId: string, hash: string, now: number): Promise<PushedAuthorizationRequest | null>;
  /** Requests not yet expired at `now`: pushed from this IP, and in all. */
  countLive(ip: string, now: number): Promise<{ ip: number; total: number }>;
}

/**
 * The `jti`s of DPoP proofs already accepted (RFC 9449 §11.1), per server, kept until their
 * proofs are too old to be accepted anyway. Shared by every process: a proof replayed at
 * another process is refused too.
 */
export interface DpopJtiStore {
  /** Remember the proof id (a hash of its jti); false when it was there already (atomic). */
  use(tenantId: string, serverId: string, jtiHash: string, expiresAt: number): Promise<boolean>;
}

/**
 * RFC 8628 device codes, stored hashed (device code and user code). Found by a hash unique
 * across tenants: the row carries its tenant, which the caller compares.
 */
export interface DeviceCodeStore {
  /** Stores a new code; false (nothing stored) when its user code hash is taken already. */
  save(code: DeviceCode): Promise<boolean>;
  find(hash: string): Promise<DeviceCode | null>;
  /** The code still pending and not expired at `now` whose user code has this hash, else null. */
  findPending(userCodeHash: string, now: number): Promise<DeviceCode | null>;
  /**
   * Records a poll, atomically: only while the stored last poll time is still `previous` (the
   * row as the caller read it). False when another poll came in between. `interval` is stored too.
   */
  poll(hash: string, previous: number | null, now: number, interval: number): Promise<boolean>;
  /**
   * The user's decision, once: a pending code not expired at `now` becomes approved (with the
   * user, grant and sign-in time) or denied (`approval` null). False when it was not pending.
   */
  decide(hash: string, now: number, approval: { userId: string; grantId: string; authTime: number } | null): Promise<boolean>;
  /** Atomically marks an approved code redeemed; the row the first time only, else null. */
  redeem(hash: string, now: number): Promise<DeviceCode | null>;
  /** Codes not yet expired at `now`: asked for from this IP, and in all. */
  countLive(ip: string, now: number): Promise<{ ip: number; total: number }>;
}
