/**
 * Tenants: create with their reserved `admin` server and a `default` server,
 * list, delete. Cross-tenant by nature: only the `system` tenant's admins reach these.
 */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { Stores } from '../core/ports.js';
import { ADMIN_SERVER_ID } from '../core/scope.js';
import type { Tenant } from '../core/types.js';
import { displayPrefix, generateOpaqueToken, hashOpaqueToken } from '../crypto/opaque-token.js';
import { randomId } from '../crypto/random.js';
import { ensureServer } from '../import/apply.js';
import { RESERVED_IDS } from '../import/schema.js';
import { recordChange, type Actor } from './audit.js';
import { decodeCursor, page, type Page } from './pagination.js';
import { createClient } from './clients.js';
import type { TenantCreateData, TenantListQueryData } from './schemas.js';

/** The tenant whose admin clients may create and delete tenants. */
export const SYSTEM_TENANT_ID = 'system';
export const SYSTEM_ADMIN_CLIENT_ID = 'system-admin';
const UNDELETABLE = new Set(['default', SYSTEM_TENANT_ID]);

export async function getTenant(deps: CoreDeps, tenantId: string): Promise<Tenant> {
  const t = await deps.stores.tenants.get(tenantId);
  if (!t) throw new AppError('not_found', `no tenant "${tenantId}"`);
  return t;
}

/** Lower-case ASCII letters only, as SQLite's and PostgreSQL's (COLLATE "C") lower() do. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * Operator-wide listing by id, keyset-paginated. `q`: tenants whose id or name starts with it,
 * ignoring the case of ASCII letters (served by the primary key and an index on the name).
 */
export async function listTenantsForOperator(deps: CoreDeps, q: TenantListQueryData): Promise<Page<Tenant>> {
  const [after] = decodeCursor(q.cursor, ['']);
  const prefix = q.q ? asciiLower(q.q) : null;
  return page(q.limit, (n) => deps.stores.admin.listTenants(after, n, prefix), (t) => [t.id], (t) => ({ id: t.id, name: t.name }));
}

export type CreatedTenant = Tenant & { admin_client?: { authorization_server_id: string; client_id: string; client_secret: string } };

export async function createTenant(deps: CoreDeps, actor: Actor, data: TenantCreateData): Promise<CreatedTenant> {
  if (RESERVED_IDS.has(data.id)) throw new AppError('validation_failed', `body parameter "id": "${data.id}" is a reserved word`);
  const now = deps.clock.now();
  const tenant = { id: data.id, name: data.name ?? data.id };
  return deps.stores.transaction(async () => {
    if (await deps.stores.tenants.get(data.id)) throw new AppError('conflict', `tenant "${data.id}" already exists`);
    await deps.stores.tenants.upsert(tenant, now);
    await ensureServer(deps.stores, data.id, ADMIN_SERVER_ID, now);
    await ensureServer(deps.stores, data.id, 'default', now);
    await recordChange(deps, actor, data.id, 'tenant.create', data.id, { name: tenant.name });
    if (actor.tenantId !== data.id) await recordChange(deps, actor, actor.tenantId ?? SYSTEM_TENANT_ID, 'tenant.create', data.id, { name: tenant.name });
    if (!data.admin_client) return tenant;
    // The tenant's own administrator in the same step: its secret is in this answer only.
    const c = await createClient(deps, actor, data.id, {
      authorization_server_id: ADMIN_SERVER_ID, client_id: data.admin_client.client_id,
      client_name: data.admin_client.client_name ?? 'Tenant administrator', grant_types: ['client_credentials'],
      scopes: ['manage_configuration'], response_types: [],
    });
    return { ...tenant, admin_client: { authorization_server_id: ADMIN_SERVER_ID, client_id: c.client_id, client_secret: c.client_secret! } };
  });
}

/**
 * Deletes a tenant with everything in it. The bulk goes in short batches first (a tenant may
 * hold millions of tokens; other tenants are served meanwhile), then the tenant's row and the
 * audit entry in one transaction. A second sweep takes rows that requests in flight wrote
 * meanwhile (tokens and sessions have no foreign key to the tenant). Interrupted, it can be
 * run again: the tenant stays listed until its row goes.
 */
export async function deleteTenant(deps: CoreDeps, actor: Actor, tenantId: string): Promise<void> {
  if (UNDELETABLE.has(tenantId)) throw new AppError('forbidden', `tenant "${tenantId}" cannot be deleted`);
  await getTenant(deps, tenantId);
  const servers = await serverIds(deps, tenantId);
  await deps.stores.admin.deleteTenantRows(tenantId);
  await deps.stores.transaction(async () => {
    if (!(await deps.stores.admin.deleteTenant(tenantId))) throw new AppError('not_found', `no tenant "${tenantId}"`);
    await recordChange(deps, actor, actor.tenantId ?? SYSTEM_TENANT_ID, 'tenant.delete', tenantId);
  });
  // Only this tenant's servers leave the cache: the other tenants' stay resolved.
  for (const id of servers) deps.directory.invalidate(tenantId, id);
  await deps.stores.admin.deleteTenantRows(tenantId);
}

async function serverIds(deps: CoreDeps, tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const batch = await deps.stores.admin.listServers(tenantId, ids.at(-1) ?? '', 500, null);
    ids.push(...batch.map((s) => s.id));
    if (batch.length < 500) return ids;
  }
}

export interface SystemBootstrap {
  clientId: string;
  /** Set only when Pixie generated the secret now: print it once, it is not stored in clear. */
  generatedSecret: string | null;
}

/**
 * The `system` tenant and its admin client. Created on first start with a generated
 * secret (returned once) unless `secret` is given (PIXIE_ADMIN_CLIENT_SECRET), which is then
 * kept in force at every start, like an import file.
 */
export async function ensureSystemTenant(stores: Stores, now: number, secret: string | undefined): Promise<SystemBootstrap> {
  const clientId = SYSTEM_ADMIN_CLIENT_ID;
  const existing = await stores.clients.find(SYSTEM_TENANT_ID, ADMIN_SERVER_ID, clientId);
  if (existing && secret === undefined) return { clientId, generatedSecret: null };
  const value = secret ?? generateOpaqueToken('pxs');
  await stores.transaction(async () => {
    if (!(await stores.tenants.get(SYSTEM_TENANT_ID))) await stores.tenants.upsert({ id: SYSTEM_TENANT_ID, name: 'System' }, now);
    await ensureServer(stores, SYSTEM_TENANT_ID, ADMIN_SERVER_ID, now);
    await stores.clients.upsert({
      tenantId: SYSTEM_TENANT_ID, serverId: ADMIN_SERVER_ID, clientId, name: 'System administrator',
      description: 'Creates and deletes tenants', public: false, grantTypes: ['client_credentials'],
      redirectUris: [], oauthDomain: null, scopes: ['manage_configuration'], responseTypes: [],
      tokenEndpointAuthMethod: 'client_secret_basic', ownerUserId: null,
      allowedOrigins: [], postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'RS256',
    }, now);
    const hash = hashOpaqueToken(value);
    const current = (await stores.clients.listSecrets(SYSTEM_TENANT_ID, ADMIN_SERVER_ID, clientId)).find((s) => s.name === 'bootstrap');
    if (current?.hash === hash && current.revokedAt === null) return;
    await stores.clients.deleteSecretsByName(SYSTEM_TENANT_ID, ADMIN_SERVER_ID, clientId, ['bootstrap']);
    await stores.clients.addSecret(SYSTEM_TENANT_ID, ADMIN_SERVER_ID, clientId, {
      id: randomId(), name: 'bootstrap', hash, displayPrefix: displayPrefix(value), createdAt: now,
      expiresAt: null, lastUsedAt: null, revokedAt: null,
    });
  });
  return { clientId, generatedSecret: secret === undefined ? value : null };
}

/**
 * `pixie admin system-admin rotate`: a new generated secret for the system admin client, in
 * place of the bootstrap one (which stops working). Returned once; only its hash is stored.
 */
export async function rotateSystemAdminSecret(stores: Stores, now: number): Promise<{ clientId: string; secret: string }> {
  const secret = generateOpaqueToken('pxs');
  await ensureSystemTenant(stores, now, secret);
  return { clientId: SYSTEM_ADMIN_CLIENT_ID, secret };
}
