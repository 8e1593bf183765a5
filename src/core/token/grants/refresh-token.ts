/** RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2). */
import { hashOpaqueToken } from '../../../crypto/opaque-token.js';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../errors.js';
import { checkScopes, parseScope } from '../../scope.js';
import type { TokenRecord } from '../../types.js';
import { issueUserTokens } from '../token-set.js';
import type { GrantHandler, TokenContext } from '../types.js';

async function rotate(ctx: TokenContext, token: string): Promise<TokenRecord> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const hash = hashOpaqueToken(token);
  const row = await deps.stores.tokens.consume(hash, now);
  if (row && row.kind === 'refresh') return row;
  const seen = row ?? (await deps.stores.tokens.find(hash));
  if (seen?.kind === 'refresh' && seen.consumedAt !== null && seen.familyId) {
    // A rotated token came back: either the client or an attacker holds a stolen copy.
    await deps.stores.tokens.revokeFamily(seen.familyId, now);
    throw new InvalidGrant('refresh token was already used; its token family is revoked');
  }
  throw new InvalidGrant('refresh token is invalid, expired or revoked');
}

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  parameters: ['refresh_token', 'scope'],
  async handle(ctx) {
    const { refresh_token: token, scope } = ctx.params;
    if (!token) throw new InvalidRequest('refresh_token is required');
    const row = await rotate(ctx, token);
    const { rs, client, deps } = ctx;
    if (row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id || row.clientId !== client.clientId) {
      throw new InvalidGrant('refresh token was issued to another client');
    }
    if (row.expiresAt !== null && row.expiresAt <= deps.clock.now()) throw new InvalidGrant('refresh token expired');
    if (!row.userId || row.authTime === null) throw new InvalidGrant('refresh token has no user');
    const granted = row.scope ? row.scope.split(' ') : [];
    const requested = scope === undefined ? granted : parseScope(scope);
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    const extra = requested.find((s) => !granted.includes(s));
    if (extra) throw new InvalidScope(`scope "${extra}" was not granted originally`);
    // Scopes taken away from the client (or the server) since are not issued again.
    checkScopes(requested, client, rs.scopes);
    return issueUserTokens(ctx, {
      userId: row.userId, scopes: requested, authTime: row.authTime, nonce: null,
      codeHash: row.codeHash, familyId: row.familyId, familyStartedAt: row.familyStartedAt, grantId: row.grantId,
    });
  },
};
