/** RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2). */
import { hashOpaqueToken } from '../../../crypto/opaque-token.js';
import { InvalidDpopProof, InvalidGrant, InvalidRequest, InvalidScope } from '../../errors.js';
import { checkScopes, parseScope } from '../../scope.js';
import type { TokenRecord } from '../../types.js';
import { issueUserTokens, resourcesFor } from '../token-set.js';
import type { GrantHandler, TokenContext } from '../types.js';

/** A rotated token came back: either the client or an attacker holds a stolen copy. */
async function reused(ctx: TokenContext, row: TokenRecord): Promise<never> {
  const { tokens } = ctx.deps.stores;
  await tokens.revokeFamily(row.familyId!, ctx.deps.clock.now());
  // Twice, for a rotation racing this one on another connection: a token it saved while the first
  // statement ran may be missing from that statement's snapshot (PostgreSQL), never from the
  // second's. The winner checks its parent after saving (handle), which covers the other order.
  await tokens.revokeFamily(row.familyId!, ctx.deps.clock.now());
  throw new InvalidGrant('refresh token was already used; its token family is revoked');
}

/**
 * Every reason to refuse the request, checked on the stored row before it is consumed: a
 * refused refresh (another client, a wider scope, another resource) leaves the token usable.
 * Returns the resources of the new access token.
 */
function check(ctx: TokenContext, row: TokenRecord, requested: string[]): string[] {
  const { rs, client, deps } = ctx;
  if (row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id || row.clientId !== client.clientId) {
    throw new InvalidGrant('refresh token was issued to another client');
  }
  if (row.revokedAt !== null) throw new InvalidGrant('refresh token is invalid, expired or revoked');
  if (row.expiresAt !== null && row.expiresAt <= deps.clock.now()) throw new InvalidGrant('refresh token expired');
  if (!row.userId || row.authTime === null) throw new InvalidGrant('refresh token has no user');
  // RFC 9449 §5: a bound refresh token (a public client's) is used only with a proof of its key.
  if (row.dpopJkt !== undefined) {
    if (!ctx.dpop) throw new InvalidDpopProof('this refresh token is bound to a DPoP key: send a DPoP proof made with that key');
    if (ctx.dpop.jkt !== row.dpopJkt) throw new InvalidGrant('the DPoP proof is made with another key than the one this refresh token is bound to');
  }
  const granted = row.scope ? row.scope.split(' ') : [];
  // RFC 6749 §6: a refresh may narrow the scope, never widen it.
  const extra = requested.find((s) => !granted.includes(s));
  if (extra) throw new InvalidScope(`scope "${extra}" was not granted originally`);
  // Scopes taken away from the client (or the server) since are not issued again.
  checkScopes(requested, client, rs.scopes);
  // RFC 8707 §2.2: a refresh may narrow the resources, never widen them.
  return resourcesFor(ctx, row.resources ?? [], requested);
}

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope'],
  async handle(ctx) {
    const { refresh_token: token, scope } = ctx.params;
    if (!token) throw new InvalidRequest('refresh_token is required');
    const { deps } = ctx;
    const hash = hashOpaqueToken(token);
    const stored = await deps.stores.tokens.find(hash);
    if (stored?.kind !== 'refresh') throw new InvalidGrant('refresh token is invalid, expired or revoked');
    if (stored.consumedAt !== null && stored.familyId) return reused(ctx, stored);
    const granted = stored.scope ? stored.scope.split(' ') : [];
    const requested = scope === undefined ? granted : parseScope(scope);
    const resources = check(ctx, stored, requested);
    // The atomic consume decides between parallel rotations: one wins, the others are reuse.
    const row = await deps.stores.tokens.consume(hash, deps.clock.now());
    if (!row) {
      const seen = await deps.stores.tokens.find(hash);
      if (seen?.consumedAt != null && seen.familyId) return reused(ctx, seen);
      throw new InvalidGrant('refresh token is invalid, expired or revoked');
    }
    const issued = await issueUserTokens(ctx, {
      userId: row.userId!, scopes: requested, authTime: row.authTime!, nonce: null,
      codeHash: row.codeHash, familyId: row.familyId, familyStartedAt: row.familyStartedAt, grantId: row.grantId,
      resources, grantedResources: row.resources ?? [],
    });
    // A parallel request with the same token lost the consume and revoked the family, perhaps
    // before the tokens above were saved: then they must not outlive it.
    if ((await deps.stores.tokens.find(hash))?.revokedAt != null && row.familyId) return reused(ctx, row);
    return issued;
  },
};
