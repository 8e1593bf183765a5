/**
 * Resolves `/{tenant}/{server}` to its settings, scopes and signing keys, with a short cache:
 * these are read on every token request and change rarely. Writes through this process
 * invalidate at once; other processes see a change within CACHE_SECONDS.
 */
import { generateKeyMaterial, importSigningKey, type PublicJwk, type SigningKey } from '../crypto/keys.js';
import type { Clock, Stores, StoredSigningKey } from './ports.js';
import { serverScopes } from './scope.js';
import { resolveSettings } from './settings.js';
import type { AuthorizationServer } from './types.js';

const CACHE_SECONDS = 5;

export interface ResolvedServer {
  server: AuthorizationServer;
  issuer: string;
  scopes: Map<string, string>;
  signingKey: SigningKey;
  /** Public keys in the JWKS: the signing key and retired keys whose tokens may still be live. */
  jwks: PublicJwk[];
}

interface Entry { value: ResolvedServer | null; until: number }

export class ServerDirectory {
  private readonly cache = new Map<string, Entry>();
  private readonly imported = new Map<string, SigningKey>();

  constructor(
    private readonly stores: Stores,
    private readonly clock: Clock,
    /** Read at each resolve: tests learn their port only after listen. */
    private readonly publicUrl: () => string,
  ) {}

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

  /**
   * Create the signing key of every server that has none. Run at start-up under the start-up
   * lock: processes starting together would otherwise each create a key on first use and,
   * until their caches expire, sign with and publish different keys.
   */
  async ensureSigningKeys(): Promise<void> {
    for (const tenant of await this.stores.tenants.list()) {
      for (const server of await this.stores.servers.list(tenant.id)) await this.resolve(tenant.id, server.id);
    }
    this.invalidate(); // the public URL may not be known yet (port 0): resolve again on first use
  }

  invalidate(tenantId?: string, serverId?: string): void {
    if (tenantId && serverId) this.cache.delete(`${tenantId}/${serverId}`);
    else this.cache.clear();
  }

  private async load(tenantId: string, serverId: string, now: number): Promise<ResolvedServer | null> {
    const stored = await this.stores.servers.get(tenantId, serverId);
    if (!stored) return null;
    const server = { ...stored, settings: resolveSettings(stored.settings) };
    let keys = await this.stores.keys.listPublished(tenantId, serverId, now);
    const active = keys.find((k) => k.retiredAt === null || k.retiredAt > now);
    const maxAge = server.settings.keyRotationDays * 86400;
    if (!active || (maxAge > 0 && active.createdAt + maxAge <= now)) {
      // No key yet, or the scheduled rotation is due. Several processes may race here:
      // each adds a key, all stay published (tokens verify whichever signed them), and after
      // re-reading every process signs with the same one: newest, ties broken by kid.
      await this.replaceKey(server, active ?? null, now);
      keys = await this.stores.keys.listPublished(tenantId, serverId, now);
    }
    const signing = keys.find((k) => k.retiredAt === null || k.retiredAt > now)!;
    return {
      server,
      issuer: this.issuerOf(tenantId, serverId),
      scopes: serverScopes(server),
      signingKey: this.importKey(signing),
      jwks: keys.map((k) => k.publicJwk),
    };
  }

  private importKey(k: StoredSigningKey): SigningKey {
    let imported = this.imported.get(k.kid);
    if (!imported) {
      imported = importSigningKey(k);
      this.imported.set(k.kid, imported);
    }
    return imported;
  }

  private async createKey(server: AuthorizationServer, now: number): Promise<StoredSigningKey> {
    const material = generateKeyMaterial(server.settings.signingAlg);
    const key: StoredSigningKey = { ...material, createdAt: now, retiredAt: null, expiresAt: null };
    await this.stores.keys.insert(server.tenantId, server.id, key);
    return key;
  }

  /**
   * Start signing with a new key; the old one stays in the JWKS until every token it
   * signed has expired (SPEC §4.7).
   */
  private async replaceKey(server: AuthorizationServer, old: StoredSigningKey | null, now: number): Promise<string> {
    const next = await this.createKey(server, now);
    if (old) {
      const s = server.settings;
      const lastTokenExpiry = now + Math.max(s.accessTokenTtl, s.seAccessTokenTtl) + 60;
      await this.stores.keys.retire(server.tenantId, server.id, old.kid, now, lastTokenExpiry);
    }
    return next.kid;
  }

  /** Rotate on demand (admin API, CLI). */
  async rotateKeys(tenantId: string, serverId: string): Promise<string> {
    const resolved = await this.resolve(tenantId, serverId);
    if (!resolved) throw new Error(`no server ${tenantId}/${serverId}`);
    const now = this.clock.now();
    // Read the signing key from the store, not the cache: another process may have rotated already.
    const current = (await this.stores.keys.listPublished(tenantId, serverId, now)).find((k) => k.retiredAt === null || k.retiredAt > now) ?? null;
    const kid = await this.replaceKey(resolved.server, current, now);
    this.invalidate(tenantId, serverId);
    return kid;
  }
}
