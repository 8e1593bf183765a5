/**
 * Initial access tokens (RFC 7591 §3): made by an administrator for a server whose
 * `registration` is `token`, shown once, stored as SHA-256, with an expiry and a use count.
 */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import type { RegistrationToken } from '../core/types.js';
import { displayPrefix, generateOpaqueToken, hashOpaqueToken } from '../crypto/opaque-token.js';
import { randomId } from '../crypto/random.js';
import { recordChange, type Actor } from './audit.js';
import type { RegistrationTokenCreateData } from './schemas.js';
import { parseExpiresAt } from './secrets.js';
import { getServer } from './servers.js';

export interface RegistrationTokenView {
  id: string;
  name: string;
  display_prefix: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number;
  uses: number;
  revoked_at: number | null;
  status: 'active' | 'expired' | 'used_up' | 'revoked';
}

function view(t: RegistrationToken, now: number): RegistrationTokenView {
  const status = t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : t.uses >= t.maxUses ? 'used_up' : 'active';
  return {
    id: t.id, name: t.name, display_prefix: t.displayPrefix, created_at: t.createdAt, expires_at: t.expiresAt,
    max_uses: t.maxUses, uses: t.uses, revoked_at: t.revokedAt, status,
  };
}

export async function createRegistrationToken(
  deps: CoreDeps, actor: Actor, tenantId: string, serverId: string, data: RegistrationTokenCreateData,
): Promise<RegistrationTokenView & { token: string }> {
  await getServer(deps, tenantId, serverId);
  const now = deps.clock.now();
  const value = generateOpaqueToken('pxia');
  const token: RegistrationToken = {
    id: randomId(), tenantId, serverId, name: data.name ?? 'default', hash: hashOpaqueToken(value), displayPrefix: displayPrefix(value),
    createdAt: now, expiresAt: parseExpiresAt(data.expires_at, now), maxUses: data.max_uses ?? 1, uses: 0, revokedAt: null,
  };
  await deps.stores.transaction(async () => {
    await deps.stores.registrationTokens.add(token);
    await recordChange(deps, actor, tenantId, 'registration_token.create', `${serverId}/${token.id}`, {
      name: token.name, display_prefix: token.displayPrefix, max_uses: token.maxUses, expires_at: token.expiresAt,
    });
  });
  return { ...view(token, now), token: value };
}

export async function listRegistrationTokens(deps: CoreDeps, tenantId: string, serverId: string): Promise<RegistrationTokenView[]> {
  await getServer(deps, tenantId, serverId);
  const now = deps.clock.now();
  return (await deps.stores.registrationTokens.list(tenantId, serverId)).map((t) => view(t, now));
}

export async function revokeRegistrationToken(deps: CoreDeps, actor: Actor, tenantId: string, serverId: string, id: string): Promise<void> {
  await getServer(deps, tenantId, serverId);
  await deps.stores.transaction(async () => {
    if (!(await deps.stores.registrationTokens.revoke(tenantId, serverId, id, deps.clock.now()))) {
      throw new AppError('not_found', `no live initial access token "${id}" on authorization server "${serverId}"`);
    }
    await recordChange(deps, actor, tenantId, 'registration_token.revoke', `${serverId}/${id}`);
  });
}
