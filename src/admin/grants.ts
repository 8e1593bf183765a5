/** Grants (a user's consent to a client) and issued tokens of a tenant: list and revoke. */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { AdminGrant } from '../core/ports.js';
import { isActive } from '../core/tokens/lookup.js';
import type { TokenRecord } from '../core/types.js';
import { recordChange, type Actor } from './audit.js';
import { decodeCursor, page, type Page } from './pagination.js';
import { getTenant } from './tenants.js';

export interface GrantView {
  id: string;
  authorization_server_id: string;
  client_id: string;
  user_id: string;
  scopes: string[];
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface TokenView {
  id: string;
  kind: 'access' | 'refresh';
  authorization_server_id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  active: boolean;
}

function grantView(g: AdminGrant): GrantView {
  return {
    id: g.id, authorization_server_id: g.serverId, client_id: g.clientId, user_id: g.userId, scopes: g.scopes,
    created_at: g.createdAt, last_used_at: g.lastUsedAt, revoked_at: g.revokedAt,
  };
}

/** The id is the stored key (a SHA-256 of an opaque token, or `jti_…`): useless as a credential. */
function tokenView(t: TokenRecord, now: number): TokenView {
  return {
    id: t.hash, kind: t.kind, authorization_server_id: t.serverId, client_id: t.clientId, user_id: t.userId, scope: t.scope,
    created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: t.revokedAt, active: isActive(t, now),
  };
}

export async function listGrants(deps: CoreDeps, tenantId: string, q: { limit?: number | string; cursor?: string }): Promise<Page<GrantView>> {
  await getTenant(deps, tenantId);
  const [after] = decodeCursor(q.cursor, ['']);
  return page(q.limit, (n) => deps.stores.admin.listGrants(tenantId, after, n), (g) => [g.id], grantView);
}

export async function revokeGrant(deps: CoreDeps, actor: Actor, tenantId: string, grantId: string): Promise<void> {
  await deps.stores.transaction(async () => {
    const g = await deps.stores.admin.findGrant(tenantId, grantId);
    if (!g) throw new AppError('not_found', `no grant "${grantId}" in tenant "${tenantId}"`);
    await deps.stores.admin.revokeGrant(tenantId, grantId, deps.clock.now());
    await recordChange(deps, actor, tenantId, 'grant.revoke', grantId, { client_id: g.clientId, user_id: g.userId });
  });
}

export async function listTokens(deps: CoreDeps, tenantId: string, q: { limit?: number | string; cursor?: string }): Promise<Page<TokenView>> {
  await getTenant(deps, tenantId);
  const [createdAt, hash] = decodeCursor(q.cursor, [Number.MAX_SAFE_INTEGER, '\uffff']);
  const now = deps.clock.now();
  return page(q.limit, (n) => deps.stores.admin.listTokens(tenantId, { createdAt, hash }, n), (t) => [t.createdAt, t.hash], (t) => tokenView(t, now));
}

export async function revokeToken(deps: CoreDeps, actor: Actor, tenantId: string, tokenId: string): Promise<void> {
  await deps.stores.transaction(async () => {
    const t = await deps.stores.admin.findToken(tenantId, tokenId);
    if (!t) throw new AppError('not_found', `no token "${tokenId}" in tenant "${tenantId}"`);
    await deps.stores.admin.revokeToken(tenantId, tokenId, deps.clock.now());
    await recordChange(deps, actor, tenantId, 'token.revoke', tokenId, { kind: t.kind, client_id: t.clientId });
  });
}
