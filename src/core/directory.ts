/**
 * Resolves `/{tenant}/{server}` to its settings, scopes and signing keys. These are read on
 * every token request and change rarely, so resolved servers are kept in a bounded LRU cache:
 * memory stays flat however many tenants exist, and nothing is loaded before first use (start-up
 * costs the same with 10 or 10,000 tenants). Writes through this process invalidate at once;
 * other processes see a change within CACHE_SECONDS.
 *
 * Keys: a server gets its access-token key when it is created (createServerKeys). Keys of other
 * algs (the RS256 key most relying parties expect for ID tokens) are made when first needed,
 * off the request path where possible: `prepareKey` starts one at /authorize, so it exists by
 * the time the code is exchanged. Every alg has at most one active key; older ones stay
 * published until the tokens they signed have expired.
 */
import { generateKeyMaterial, generateKeyMaterialSync, importSigningKey, type PublicJwk, type SigningAlg, type SigningKey } from '../crypto/keys.js';
import { LruCache } from './lru.js';
import type { Clock, Stores, StoredSigningKey } from './ports.js';
import { serverScopes } from './scope.js';
import { resolveSettings } from './settings.js';
import type { AuthorizationServer } from './types.js';

const CACHE_SECONDS = 5;
export const DEFAULT_SERVER_CACHE_SIZE = 1000;

export interface ResolvedServer {
  server: AuthorizationServer;
  issuer: string;
  scopes: Map<string, string>;
  /** Signs access tokens: the active key of the server's `signingAlg`. */
  signingKey: SigningKey;
  /** The active key of each alg the server has one of. */
  activeKeys: ReadonlyMap<SigningAlg, SigningKey>;
  /** Public keys in the JWKS: the active keys and retired keys whose tokens may still be live. */
  jwks: PublicJwk[];
}

interface Entry { value: ResolvedServer | null; until: number }

const isActive = (k: StoredSigningKey, now: number) => k.retiredAt === null || k.retiredAt > now;

/** The newest active key of each alg (the store lists newest first, ties broken by kid). */
function activeByAlg(keys: StoredSigningKey[], now: number): Map<SigningAlg, StoredSigningKey> {
  const out = new Map<SigningAlg, StoredSigningKey>();
  for (const k of keys) if (isActive(k, now) && !out.has(k.alg)) out.set(k.alg, k);
  return out;
}

/** Until when a retired key stays published: past the expiry of the last token it signed. */
function publishedUntil(server: AuthorizationServer, now: number): number {
  const s = server.settings;
  return now + Math.max(s.accessTokenTtl, s.seAccessTokenTtl) + 60;
}

/** The first key of a new server (admin API, import, start-up defaults), in the caller's transaction. */
export async function createServerKeys(stores: Stores, server: AuthorizationServer, now: number): Promise<void> {
  // Made inline: awaiting the key queue inside a transaction would hold the process's storage.
  const material = generateKeyMaterialSync(server.settings.signingAlg);
  await stores.keys.insert(server.tenantId, server.id, { ...material, createdAt: now, retiredAt: null, expiresAt: null });
}

export class ServerDirectory {
  private readonly cache: LruCache<string, Entry>;
  /** Imported private keys by kid: importing a JWK costs more than the rest of a resolve. */
  private readonly imported: LruCache<string, SigningKey>;
  /** Key generations in progress in this process, by `tenant/server/alg`. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    /** Read at each resolve: tests learn their port only after listen. */
    private readonly publicUrl: () => string,
    cacheSize = DEFAULT_SERVER_CACHE_SIZE,
  ) {
    this.cache = new LruCache(cacheSize);
    this.imported = new LruCache(cacheSize * 3);
  }

  issuerOf(tenantId: string, serverId: string): string {
    return `${this.publicUrl()}/${tenantId}/${serverId}`;
  }

  async resolve(tenantId: string, serverId: string): Promise<ResolvedServer | null> {
    const key = `${tenantId}/${serverId}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await this.load(tenantId, serverId, now);
    this.cache.set(key, { value, until: now + CACHE_SECONDS });
    return value;
  }

  invalidate(tenantId?: string, serverId?: string): void {
    if (tenantId && serverId) this.cache.delete(`${tenantId}/${serverId}`);
    else this.cache.clear();
  }

  /** The active key of `alg`, made now when the server has none yet (one wait per server and alg). */
  async keyFor(rs: ResolvedServer, alg: SigningAlg): Promise<SigningKey> {
    const have = rs.activeKeys.get(alg);
    if (have) return have;
    await this.generate(rs.server, alg);
    const fresh = await this.resolve(rs.server.tenantId, rs.server.id);
    const made = fresh?.activeKeys.get(alg);
    if (!made) throw new Error(`no ${alg} signing key for ${rs.server.tenantId}/${rs.server.id}`);
    return made;
  }

  /** Start making the key of `alg` in the background if the server has none (an ID token will need it). */
  prepareKey(rs: ResolvedServer, alg: SigningAlg): void {
    if (!rs.activeKeys.has(alg)) this.generate(rs.server, alg).catch(() => undefined); // keyFor retries and reports
  }

  /** The JWKS, including keys still being made for this server (a client fetching it next sees them). */
  async jwks(rs: ResolvedServer): Promise<PublicJwk[]> {
    const prefix = `${rs.server.tenantId}/${rs.server.id}/`;
    const waits = [...this.pending].filter(([k]) => k.startsWith(prefix)).map(([, p]) => p.catch(() => undefined));
    if (waits.length === 0) return rs.jwks;
    await Promise.all(waits);
    return (await this.resolve(rs.server.tenantId, rs.server.id))?.jwks ?? rs.jwks;
  }

  /** Rotate on demand (admin API, CLI): every alg with an active key gets a new one. */
  async rotateKeys(tenantId: string, serverId: string): Promise<string> {
    const resolved = await this.resolve(tenantId, serverId);
    if (!resolved) throw new Error(`no server ${tenantId}/${serverId}`);
    // Read from the store, not the cache: another process may have made keys meanwhile.
    const active = activeByAlg(await this.stores.keys.listPublished(tenantId, serverId, this.clock.now()), this.clock.now());
    for (const alg of active.keys()) await this.generate(resolved.server, alg, true);
    const after = await this.resolve(tenantId, serverId);
    return after!.signingKey.kid;
  }

  private async load(tenantId: string, serverId: string, now: number): Promise<ResolvedServer | null> {
    const stored = await this.stores.servers.get(tenantId, serverId);
    if (!stored) return null;
    const server = { ...stored, settings: resolveSettings(stored.settings) };
    let keys = await this.stores.keys.listPublished(tenantId, serverId, now);
    if (!activeByAlg(keys, now).has(server.settings.signingAlg)) {
      // A server made by a release that created keys at start-up only, or whose alg was changed.
      await this.generate(server, server.settings.signingAlg);
      keys = await this.stores.keys.listPublished(tenantId, serverId, now);
    }
    const active = activeByAlg(keys, now);
    this.scheduleRotation(server, active, now);
    const activeKeys = new Map([...active].map(([alg, k]) => [alg, this.importKey(k)] as const));
    const signingKey = activeKeys.get(server.settings.signingAlg);
    if (!signingKey) throw new Error(`no ${server.settings.signingAlg} signing key for ${tenantId}/${serverId}`);
    return {
      server, issuer: this.issuerOf(tenantId, serverId), scopes: serverScopes(server), signingKey, activeKeys,
      jwks: keys.map((k) => k.publicJwk),
    };
  }

  /** Keys older than keyRotationDays are replaced in the background; the old one signs until then. */
  private scheduleRotation(server: AuthorizationServer, active: Map<SigningAlg, StoredSigningKey>, now: number): void {
    const maxAge = server.settings.keyRotationDays * 86400;
    if (maxAge <= 0) return;
    for (const [alg, k] of active) {
      if (k.createdAt + maxAge <= now) this.generate(server, alg, true).catch(() => undefined);
    }
  }

  private importKey(k: StoredSigningKey): SigningKey {
    let imported = this.imported.get(k.kid);
    if (!imported) {
      imported = importSigningKey(k);
      this.imported.set(k.kid, imported);
    }
    return imported;
  }

  /**
   * Make a key of `alg` (a rotation when `replace`, else only if none is active). Deduplicated
   * within the process. The new key retires every other active key of its alg made no later
   * than itself, so processes that race converge on one key (the last made); retired keys stay
   * published until the tokens they signed have expired.
   */
  private generate(server: AuthorizationServer, alg: SigningAlg, replace = false): Promise<void> {
    const key = `${server.tenantId}/${server.id}/${alg}`;
    let running = this.pending.get(key);
    if (!running) {
      running = this.makeKey(server, alg, replace).finally(() => this.pending.delete(key));
      this.pending.set(key, running);
    }
    return running;
  }

  private async makeKey(server: AuthorizationServer, alg: SigningAlg, replace: boolean): Promise<void> {
    const { tenantId, id: serverId } = server;
    if (!replace && activeByAlg(await this.stores.keys.listPublished(tenantId, serverId, this.clock.now()), this.clock.now()).has(alg)) {
      this.invalidate(tenantId, serverId); // another process made it
      return;
    }
    const material = await generateKeyMaterial(alg);
    const now = this.clock.now();
    await this.stores.keys.insert(tenantId, serverId, { ...material, createdAt: now, retiredAt: null, expiresAt: null });
    const older = (await this.stores.keys.listPublished(tenantId, serverId, now))
      .filter((k) => k.alg === alg && k.kid !== material.kid && isActive(k, now) && k.createdAt <= now);
    for (const k of older) await this.stores.keys.retire(tenantId, serverId, k.kid, now, publishedUntil(server, now));
    this.invalidate(tenantId, serverId);
  }
}
