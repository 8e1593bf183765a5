/** Authorization servers of a tenant: settings, scopes, signing keys and their rotation. */
import type { CoreDeps } from '../core/deps.js';
import { createServerKeys } from '../core/directory.js';
import { AppError } from '../core/errors.js';
import type { StoredSigningKey } from '../core/ports.js';
import { resourceSettingsProblems } from '../core/resource.js';
import { BUILT_IN_SCOPES } from '../core/scope.js';
import { resolveSettings } from '../core/settings.js';
import type { AuthorizationServer, ServerSettings } from '../core/types.js';
import { RESERVED_IDS } from '../import/schema.js';
import { recordChange, type Actor } from './audit.js';
import { decodeCursor, page, type Page } from './pagination.js';
import type { ServerCreateData, ServerListQueryData, ServerUpdateData } from './schemas.js';
import { getTenant } from './tenants.js';

const SETTING_KEYS = [
  'accessTokenTtl', 'seAccessTokenTtl', 'refreshTokenTtl', 'accessTokenFormat', 'allowPlainPkce', 'signingAlg',
  'registration', 'maxDynamicClients', 'dynamicClientIdleDays', 'clientIdMetadataDocuments', 'resources', 'resourcePolicy', 'dpop',
] as const;

export interface ServerView {
  tenant_id: string;
  id: string;
  issuer: string;
  settings: ServerSettings;
  scopes: { name: string; description: string }[];
}

export interface KeyView {
  kid: string;
  alg: string;
  created_at: number;
  retired_at: number | null;
  expires_at: number | null;
  status: 'active' | 'retired' | 'expired';
}

function view(deps: CoreDeps, s: AuthorizationServer): ServerView {
  return { tenant_id: s.tenantId, id: s.id, issuer: deps.directory.issuerOf(s.tenantId, s.id), settings: resolveSettings(s.settings), scopes: s.customScopes };
}

export async function getServer(deps: CoreDeps, tenantId: string, serverId: string): Promise<AuthorizationServer> {
  const s = await deps.stores.servers.get(tenantId, serverId);
  if (!s) throw new AppError('not_found', `no authorization server "${serverId}" in tenant "${tenantId}"`);
  return s;
}

/** Keyset-paginated by id; `q`: only ids that start with it (served by the primary key). */
export async function listServers(deps: CoreDeps, tenantId: string, q: ServerListQueryData): Promise<Page<ServerView>> {
  await getTenant(deps, tenantId);
  const [after] = decodeCursor(q.cursor, ['']);
  const prefix = q.q ? q.q.toLowerCase() : null;
  return page(q.limit, (n) => deps.stores.admin.listServers(tenantId, after, n, prefix), (s) => [s.id], (s) => view(deps, s));
}

export async function showServer(deps: CoreDeps, tenantId: string, serverId: string): Promise<ServerView> {
  return view(deps, await getServer(deps, tenantId, serverId));
}

function settingsOf(data: ServerUpdateData): Partial<ServerSettings> {
  const out: Partial<ServerSettings> = {};
  for (const k of SETTING_KEYS) if (data[k] !== undefined) (out as Record<string, unknown>)[k] = data[k];
  return out;
}

function checkResourceSettings(data: ServerUpdateData): void {
  const [problem] = resourceSettingsProblems(data.resources ?? []);
  if (problem) throw new AppError('validation_failed', `body parameter "resources.${problem[0].replace('/', '.')}": ${problem[1]}`);
}

function checkScopes(data: ServerUpdateData): void {
  checkResourceSettings(data);
  const builtIn = new Set(BUILT_IN_SCOPES.map((s) => s.name));
  const seen = new Set<string>();
  data.scopes?.forEach((s, i) => {
    if (builtIn.has(s.name)) throw new AppError('validation_failed', `body parameter "scopes.${i}.name": "${s.name}" is a built-in scope`);
    if (seen.has(s.name)) throw new AppError('validation_failed', `body parameter "scopes.${i}.name": "${s.name}" appears twice`);
    seen.add(s.name);
  });
}

export async function createServer(deps: CoreDeps, actor: Actor, tenantId: string, data: ServerCreateData): Promise<ServerView> {
  await getTenant(deps, tenantId);
  if (RESERVED_IDS.has(data.id)) throw new AppError('validation_failed', `body parameter "id": "${data.id}" is a reserved word`);
  checkScopes(data);
  const now = deps.clock.now();
  const server: AuthorizationServer = { tenantId, id: data.id, settings: resolveSettings(settingsOf(data)), customScopes: data.scopes ?? [] };
  await deps.stores.transaction(async () => {
    if (await deps.stores.servers.get(tenantId, data.id)) throw new AppError('conflict', `authorization server "${data.id}" already exists`);
    await deps.stores.servers.upsert(server, now);
    await createServerKeys(deps.stores, server, now);
    await recordChange(deps, actor, tenantId, 'server.create', data.id, { fields: Object.keys(data) });
  });
  return view(deps, server);
}

export async function updateServer(deps: CoreDeps, actor: Actor, tenantId: string, serverId: string, data: ServerUpdateData): Promise<ServerView> {
  checkScopes(data);
  const now = deps.clock.now();
  const updated = await deps.stores.transaction(async () => {
    const s = await getServer(deps, tenantId, serverId);
    const next = { ...s, settings: resolveSettings({ ...s.settings, ...settingsOf(data) }), customScopes: data.scopes ?? s.customScopes };
    await deps.stores.servers.upsert(next, now);
    await recordChange(deps, actor, tenantId, 'server.update', serverId, { fields: Object.keys(data) });
    return next;
  });
  deps.directory.invalidate(tenantId, serverId);
  return view(deps, updated);
}

function keyView(k: StoredSigningKey, now: number): KeyView {
  const status = k.expiresAt !== null && k.expiresAt <= now ? 'expired' : k.retiredAt !== null && k.retiredAt <= now ? 'retired' : 'active';
  return { kid: k.kid, alg: k.alg, created_at: k.createdAt, retired_at: k.retiredAt, expires_at: k.expiresAt, status };
}

export async function listKeys(deps: CoreDeps, tenantId: string, serverId: string): Promise<KeyView[]> {
  await getServer(deps, tenantId, serverId);
  // Resolving creates the first key of a server that never signed anything.
  await deps.directory.resolve(tenantId, serverId);
  const now = deps.clock.now();
  return (await deps.stores.admin.listSigningKeys(tenantId, serverId)).map((k) => keyView(k, now));
}

/** A new signing key; the previous one stays in the JWKS until its last token expires. */
export async function rotateKeys(deps: CoreDeps, actor: Actor, tenantId: string, serverId: string): Promise<{ kid: string; keys: KeyView[] }> {
  await getServer(deps, tenantId, serverId);
  const kid = await deps.directory.rotateKeys(tenantId, serverId);
  await recordChange(deps, actor, tenantId, 'server.rotate_keys', serverId, { kid });
  return { kid, keys: await listKeys(deps, tenantId, serverId) };
}
