/**
 * Which admin server issued an access token presented to the admin API, and the token's record:
 * the HTTP layer turns the answer into its challenges and decides what the token may reach.
 */
import type { CoreDeps } from '../core/deps.js';
import type { ResolvedServer } from '../core/directory.js';
import { ADMIN_SERVER_ID } from '../core/scope.js';
import { findActiveToken } from '../core/tokens/lookup.js';
import type { TokenRecord } from '../core/types.js';
import { hashOpaqueToken } from '../crypto/opaque-token.js';

/** The tenant whose admin server issued the token: the JWT's `iss`, or the stored record of an opaque one. */
async function issuingServer(deps: CoreDeps, token: string): Promise<{ tenantId: string; serverId: string } | null> {
  const parts = token.split('.');
  if (parts.length === 3) {
    let iss: unknown;
    try {
      iss = (JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    } catch {
      return null;
    }
    // Only a hint to pick the server; findActiveToken verifies the signature against its keys.
    const prefix = `${deps.publicUrl}/`;
    if (typeof iss !== 'string' || !iss.startsWith(prefix)) return null;
    const [tenantId, serverId, extra] = iss.slice(prefix.length).split('/');
    return tenantId && serverId && extra === undefined ? { tenantId, serverId } : null;
  }
  const rec = token.length <= 4096 ? await deps.stores.tokens.find(hashOpaqueToken(token)) : null;
  return rec ? { tenantId: rec.tenantId, serverId: rec.serverId } : null;
}

/**
 * The record of an active plain access token issued by a tenant's `admin` server, or null: not a
 * refresh token, not a challenge-bound token presented without its verifier, not another server's.
 * Its scope, and its DPoP binding (core/dpop/resource.ts checks it with the server), are for
 * the caller to check.
 */
export async function findAdminToken(deps: CoreDeps, token: string): Promise<{ rec: TokenRecord; rs: ResolvedServer } | null> {
  const issuer = await issuingServer(deps, token);
  if (!issuer || issuer.serverId !== ADMIN_SERVER_ID) return null;
  const rs = await deps.directory.resolve(issuer.tenantId, ADMIN_SERVER_ID);
  const found = rs ? await findActiveToken(deps, rs, token) : null;
  return rs && found?.kind === 'access' && found.codeChallenge === null ? { rec: found, rs } : null;
}
