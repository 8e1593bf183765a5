/** RFC 6749 §4.1.3 + RFC 7636 §4.5: exchange an authorization code. */
import { hashOpaqueToken } from '../../../crypto/opaque-token.js';
import { InvalidClient, InvalidGrant, InvalidRequest } from '../../errors.js';
import { verifyPkce } from '../../pkce.js';
import type { AuthorizationCode } from '../../types.js';
import { issueUserTokens, resourcesFor } from '../token-set.js';
import type { GrantHandler, TokenContext } from '../types.js';

/** RFC 6749 §4.1.2: a code used twice revokes every token issued from it. */
async function replayed(ctx: TokenContext, hash: string): Promise<never> {
  const now = ctx.deps.clock.now();
  // The mark covers an exchange of the first use still in progress (see TokenStore.save).
  await ctx.deps.stores.codes.markReplayed(hash, now);
  await ctx.deps.stores.tokens.revokeByCode(hash, now);
  throw new InvalidGrant('authorization code was already used; tokens issued from it are revoked');
}

function secretRequired(): InvalidClient {
  return new InvalidClient('client authentication failed: client_secret is required when the authorization request did not use PKCE');
}

/**
 * Every reason to refuse the exchange, checked on the stored code before it is consumed: a
 * request that is refused (another client, a missing secret, redirect_uri or verifier) does
 * not burn the code of the client it was issued to.
 */
function check(ctx: TokenContext, row: AuthorizationCode): string[] {
  const { rs, client, deps, params } = ctx;
  const { redirect_uri: redirectUri, code_verifier: verifier } = params;
  if (row.tenantId !== rs.server.tenantId || row.serverId !== rs.server.id || row.clientId !== client.clientId) {
    throw new InvalidGrant('authorization code was issued to another client');
  }
  // A confidential app that does not use PKCE must send client_secret.
  if (ctx.secretless && row.codeChallenge === null) throw secretRequired();
  if (row.expiresAt <= deps.clock.now()) throw new InvalidGrant('authorization code expired');
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
  // RFC 9449 §10: a code requested with dpop_jkt is exchanged only with a proof of that key.
  if (row.dpopJkt !== undefined && ctx.dpop?.jkt !== row.dpopJkt) {
    throw new InvalidGrant(ctx.dpop
      ? 'the DPoP proof is made with another key than the dpop_jkt of the authorization request'
      : 'the authorization request had dpop_jkt: the token request needs a DPoP proof made with that key');
  }
  // RFC 8707 §2.2: the token request may name fewer of the code's resources, never others.
  return resourcesFor(ctx, row.resources ?? [], scopesOf(row));
}

function scopesOf(row: AuthorizationCode): string[] {
  return row.scope ? row.scope.split(' ') : [];
}

export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  parameters: ['code', 'redirect_uri', 'code_verifier'],
  pkceInsteadOfSecret: true,
  async handle(ctx) {
    const { code } = ctx.params;
    if (!code) throw new InvalidRequest('code is required');
    const { deps } = ctx;
    const hash = hashOpaqueToken(code);
    const stored = await deps.stores.codes.find(hash);
    if (!stored) throw new InvalidGrant('authorization code is invalid');
    if (stored.consumedAt !== null) return replayed(ctx, hash);
    const resources = check(ctx, stored);
    // The atomic consume decides between parallel exchanges: exactly one wins, the others are replays.
    const row = await deps.stores.codes.consume(hash, deps.clock.now());
    if (!row) return replayed(ctx, hash);
    // Revoking an app on /account also voids the codes it has not exchanged yet.
    if (!row.grantLive) throw new InvalidGrant('the user revoked access for this application');
    if (!row.userLive) throw new InvalidGrant('the user of this grant no longer exists or is disabled');
    // A replay racing this exchange still gets these tokens revoked (TokenStore.save); the first
    // use gets its answer either way (exactly one redemption succeeds).
    return issueUserTokens(ctx, {
      userId: row.userId, userLive: true, scopes: scopesOf(row), authTime: row.authTime, nonce: row.nonce,
      codeHash: row.hash, familyId: null, familyStartedAt: null, grantId: row.grantId, resources, grantedResources: row.resources ?? [],
    });
  },
};
