/** RFC 6749 §4.1.3 + RFC 7636 §4.5: exchange an authorization code. */
import { hashOpaqueToken } from '../../../crypto/opaque-token.js';
import { InvalidClient, InvalidGrant, InvalidRequest } from '../../errors.js';
import { verifyPkce } from '../../pkce.js';
import type { ConsumedCode } from '../../ports.js';
import { issueUserTokens } from '../token-set.js';
import type { GrantHandler, TokenContext } from '../types.js';

async function consumeCode(ctx: TokenContext, code: string): Promise<ConsumedCode> {
  const { deps } = ctx;
  const now = deps.clock.now();
  const hash = hashOpaqueToken(code);
  const row = await deps.stores.codes.consume(hash, now);
  if (row) return row;
  const used = await deps.stores.codes.find(hash);
  if (used?.consumedAt != null) {
    // RFC 6749 §4.1.2: a code used twice revokes every token issued from it. The mark covers an
    // exchange of the first use still in progress (see TokenStore.save).
    await deps.stores.codes.markReplayed(hash, now);
    await deps.stores.tokens.revokeByCode(hash, now);
    throw new InvalidGrant('authorization code was already used; tokens issued from it are revoked');
  }
  throw new InvalidGrant('authorization code is invalid');
}

function secretRequired(): InvalidClient {
  return new InvalidClient('client authentication failed: client_secret is required when the authorization request did not use PKCE');
}

/**
 * SPEC §5: a confidential app that does not use PKCE must send client_secret. Checked before the
 * code is consumed, so that a request that merely forgot the secret does not burn the code;
 * checked again after (the row read here is not the consumed one).
 */
async function requirePkceCode(ctx: TokenContext, code: string): Promise<void> {
  const row = await ctx.deps.stores.codes.find(hashOpaqueToken(code));
  if (row && row.clientId === ctx.client.clientId && row.codeChallenge === null) throw secretRequired();
}

export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  async handle(ctx) {
    const { code, redirect_uri: redirectUri, code_verifier: verifier } = ctx.params;
    if (!code) throw new InvalidRequest('code is required');
    if (ctx.secretless) await requirePkceCode(ctx, code);
    const row = await consumeCode(ctx, code);
    const { rs, client, deps } = ctx;
    // Checked after the atomic consume so that a failed attempt still burns the code.
    if (row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id || row.clientId !== client.clientId) {
      throw new InvalidGrant('authorization code was issued to another client');
    }
    if (ctx.secretless && row.codeChallenge === null) throw secretRequired();
    if (row.expiresAt <= deps.clock.now()) throw new InvalidGrant('authorization code expired');
    // SPEC §7: revoking an app on /account also voids the codes it has not exchanged yet.
    if (!row.grantLive) throw new InvalidGrant('the user revoked access for this application');
    if (!row.userLive) throw new InvalidGrant('the user of this grant no longer exists or is disabled');
    if (redirectUri === undefined && (row.redirectUriGiven !== false || row.codeChallenge === null)) {
      // RFC 6749 §4.1.3: required when the authorization request carried it (and always without PKCE).
      throw new InvalidGrant('redirect_uri is required: it must repeat the one of the authorization request');
    }
    if (redirectUri !== undefined && redirectUri !== row.redirectUri) {
      throw new InvalidGrant('redirect_uri does not match the one of the authorization request');
    }
    if (row.codeChallenge !== null) verifyPkce(verifier, row.codeChallenge, row.codeChallengeMethod ?? 'S256');
    else if (verifier !== undefined) {
      // RFC 9700 §2.1.1 (PKCE downgrade): a verifier for a code issued without a challenge.
      throw new InvalidGrant('code_verifier sent, but the authorization request had no code_challenge');
    }
    // A replay racing this exchange still gets these tokens revoked (TokenStore.save); the first
    // use gets its answer either way (exactly one redemption succeeds).
    return issueUserTokens(ctx, {
      userId: row.userId, userLive: true, scopes: row.scope ? row.scope.split(' ') : [], authTime: row.authTime, nonce: row.nonce,
      codeHash: row.hash, familyId: null, familyStartedAt: null, grantId: row.grantId,
    });
  },
};
