/**
 * Apply an import document. Idempotent: running the same file again changes nothing;
 * a changed file updates what it declares and leaves everything else alone.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Stores } from '../core/ports.js';
import { clientWithDefaults } from '../core/client-defaults.js';
import { createServerKeys } from '../core/directory.js';
import { ADMIN_SERVER_ID } from '../core/scope.js';
import { resolveSettings } from '../core/settings.js';
import type { ServerSettings } from '../core/types.js';
import { hashOpaqueToken, displayPrefix } from '../crypto/opaque-token.js';
import { DEFAULT_PASSWORD_HASH_COST, hashPassword, needsRehash, verifyPassword } from '../crypto/password.js';
import { randomId } from '../crypto/random.js';
import type { ImportClientData, ImportFileData, ImportServerData } from './schema.js';

export interface ImportSummary {
  tenants: number;
  servers: number;
  clients: number;
  users: number;
}

const SETTING_KEYS = [
  'accessTokenTtl', 'seAccessTokenTtl', 'refreshTokenTtl', 'refreshTokenAbsoluteTtl', 'keyRotationDays', 'accessTokenFormat', 'allowPlainPkce', 'signingAlg',
  'registration', 'maxDynamicClients', 'dynamicClientIdleDays', 'clientIdMetadataDocuments',
  'resources', 'resourcePolicy', 'dpop',
] as const;

/** True when `prev` already holds every field of `next`: re-importing it would change nothing. */
function unchanged<T extends object>(prev: T | null | undefined, next: T): boolean {
  return !!prev && Object.entries(next).every(([k, v]) => isDeepStrictEqual((prev as Record<string, unknown>)[k], v));
}

function toSeconds(iso: string | null | undefined): number | null {
  return iso ? Math.floor(Date.parse(iso) / 1000) : null;
}


async function importSecrets(stores: Stores, tenantId: string, serverId: string, c: ImportClientData, now: number): Promise<void> {
  if (c.client_secret === undefined) return;
  const declared = typeof c.client_secret === 'string' ? [{ name: 'default', secret: c.client_secret, expires_at: null }] : c.client_secret;
  const existing = await stores.clients.listSecrets(tenantId, serverId, c.client_id);
  for (const d of declared) {
    const hash = hashOpaqueToken(d.secret);
    const expiresAt = toSeconds(d.expires_at);
    const same = existing.find((e) => e.name === d.name);
    if (same && same.hash === hash && same.expiresAt === expiresAt && same.revokedAt === null) continue;
    await stores.clients.deleteSecretsByName(tenantId, serverId, c.client_id, [d.name]);
    await stores.clients.addSecret(tenantId, serverId, c.client_id, {
      id: randomId(), name: d.name, hash, displayPrefix: displayPrefix(d.secret),
      createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null,
    });
  }
}

/** Same rule as secrets: a key declared by name is replaced when its value or expiry changed. */
async function importApiKeys(stores: Stores, tenantId: string, serverId: string, c: ImportClientData, now: number): Promise<void> {
  if (!c.api_keys) return;
  const existing = await stores.apiKeys.list(tenantId, serverId, c.client_id);
  for (const d of c.api_keys) {
    const hash = hashOpaqueToken(d.key);
    const expiresAt = toSeconds(d.expires_at);
    const same = existing.find((e) => e.name === d.name);
    if (same && same.hash === hash && same.expiresAt === expiresAt && same.revokedAt === null) continue;
    await stores.apiKeys.deleteByName(tenantId, serverId, c.client_id, [d.name]);
    await stores.apiKeys.add({
      id: randomId(), tenantId, serverId, clientId: c.client_id, name: d.name, hash, displayPrefix: displayPrefix(d.key),
      createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null,
    });
  }
}

async function importServer(stores: Stores, tenantId: string, s: ImportServerData, now: number): Promise<number> {
  const previous = await stores.servers.get(tenantId, s.id);
  const declared: Partial<ServerSettings> = {};
  for (const k of SETTING_KEYS) if (s[k] !== undefined) (declared as Record<string, unknown>)[k] = s[k];
  const server = {
    tenantId, id: s.id, settings: resolveSettings({ ...previous?.settings, ...declared }),
    customScopes: s.scopes ?? previous?.customScopes ?? [],
  };
  if (!unchanged(previous, server)) await stores.servers.upsert(server, now);
  if (!previous) await createServerKeys(stores, server, now);
  for (const c of s.clients ?? []) {
    const existing = await stores.clients.find(tenantId, s.id, c.client_id);
    const client = clientWithDefaults(tenantId, s.id, c, existing?.ownerUserId ?? null);
    if (!unchanged(existing, client)) await stores.clients.upsert(client, now);
    await importSecrets(stores, tenantId, s.id, c, now);
    await importApiKeys(stores, tenantId, s.id, c, now);
  }
  return s.clients?.length ?? 0;
}

export async function applyImport(
  stores: Stores, data: ImportFileData, now: number, passwordHashCost = DEFAULT_PASSWORD_HASH_COST,
): Promise<ImportSummary> {
  const summary: ImportSummary = { tenants: 0, servers: 0, clients: 0, users: 0 };
  // Hash passwords before the transaction: scrypt is slow and must not hold the write lock.
  const hashes = new Map<string, string>();
  for (const t of data.tenants) {
    for (const u of t.users ?? []) {
      const existing = await stores.users.findByUsername(t.id, u.username);
      // The stored hash stays when the password is unchanged and the hash is not weaker than now made.
      const keep = existing && !needsRehash(existing.passwordHash, passwordHashCost) && (await verifyPassword(u.password, existing.passwordHash));
      hashes.set(`${t.id}/${u.username}`, keep ? existing.passwordHash : await hashPassword(u.password, passwordHashCost));
    }
  }
  await stores.transaction(async () => {
    for (const t of data.tenants) {
      const existing = await stores.tenants.get(t.id);
      const tenant = { id: t.id, name: t.name ?? existing?.name ?? t.id };
      if (!unchanged(existing, tenant)) await stores.tenants.upsert(tenant, now);
      await ensureServer(stores, t.id, ADMIN_SERVER_ID, now);
      summary.tenants++;
      for (const u of t.users ?? []) {
        const prev = await stores.users.findByUsername(t.id, u.username);
        const user = {
          tenantId: t.id, id: prev?.id ?? randomId(), username: u.username, passwordHash: hashes.get(`${t.id}/${u.username}`)!,
          email: u.email ?? null, name: u.name ?? null, disabled: u.disabled ?? false,
        };
        if (!unchanged(prev, user)) await stores.users.upsert(user, now);
        summary.users++;
      }
      for (const s of t.servers ?? []) {
        summary.clients += await importServer(stores, t.id, s, now);
        summary.servers++;
      }
    }
  });
  return summary;
}

export async function ensureServer(stores: Stores, tenantId: string, serverId: string, now: number): Promise<void> {
  if (!(await stores.servers.get(tenantId, serverId))) {
    const server = { tenantId, id: serverId, settings: resolveSettings({}), customScopes: [] };
    await stores.servers.upsert(server, now);
    await createServerKeys(stores, server, now);
  }
}

/** The `default` tenant with its `default` and `admin` servers always exist. */
export async function ensureDefaults(stores: Stores, now: number): Promise<void> {
  if (!(await stores.tenants.get('default'))) await stores.tenants.upsert({ id: 'default', name: 'Default' }, now);
  await ensureServer(stores, 'default', 'default', now);
  await ensureServer(stores, 'default', ADMIN_SERVER_ID, now);
}
