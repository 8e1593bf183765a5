/** Builds the tokens for a user grant (code exchange and refresh share this). */
import { InvalidGrant } from '../errors.js';
import { issueIdToken } from '../oidc/id-token.js';
import { userTokenTtl } from '../policy.js';
import { checkResources, checkResourceScopes, narrowResources, resourceRules, resourceTokenRules } from '../resource.js';
import type { ResourceSetting } from '../types.js';
import { issueAccessToken, issueRefreshToken, newFamilyId } from '../tokens/issue.js';
import type { TokenContext, TokenResponse } from './types.js';

export interface UserGrantFacts {
  userId: string;
  /** The caller already checked, atomically with its consume, that the user is live. */
  userLive?: boolean;
  scopes: string[];
  authTime: number;
  nonce: string | null;
  codeHash: string | null;
  familyId: string | null;
  familyStartedAt: number | null;
  grantId: string | null;
  /** RFC 8707: the resources of the access token (its `aud`), checked by resourcesFor. */
  resources?: string[];
  /** The resources of the whole grant, which the refresh token keeps (a refresh may narrow again). */
  grantedResources?: string[];
}

/**
 * The resources a code exchange or refresh asks for (ctx.resources) among those granted (none:
 * all of them), checked against the server's resources and the scopes. Throws `invalid_target`
 * or `invalid_scope`; call it before consuming the code or token, so that a refused request
 * leaves it usable.
 */
export function resourcesFor(ctx: TokenContext, granted: readonly string[], scopes: readonly string[]): string[] {
  const resources = narrowResources(granted, ctx.resources ?? []);
  checkResourceScopes(resourceTargets(ctx, resources), scopes);
  return resources;
}

function resourceTargets(ctx: TokenContext, resources: readonly string[]): ResourceSetting[] {
  if (resources.length === 0) return [];
  // An endpoint that takes no `resource` may still redeem a grant that has them: the server's rules apply.
  return checkResources(resources, ctx.policy.resources ?? resourceRules(ctx.rs.server.settings));
}

/** RFC 9449 §5: `DPoP` when the access token is bound to the key of the request's proof. */
export function tokenTypeOf(ctx: TokenContext): TokenResponse['token_type'] {
  return ctx.dpop ? 'DPoP' : 'Bearer';
}

/** Refresh tokens (where the policy issues them) with offline_access, or when the client has the refresh_token grant. */
function wantsRefresh(ctx: TokenContext, scopes: string[]): boolean {
  return ctx.policy.refreshTokens && (scopes.includes('offline_access') || ctx.client.grantTypes.includes('refresh_token'));
}

export async function issueUserTokens(ctx: TokenContext, facts: UserGrantFacts): Promise<TokenResponse> {
  const { deps, rs, client, policy } = ctx;
  const openid = facts.scopes.includes('openid') && policy.idTokens;
  // The user row is read for ID token claims, or to check the user when the caller did not.
  const user = openid || !facts.userLive ? await deps.stores.users.findById(rs.server.tenantId, facts.userId) : null;
  if ((openid || !facts.userLive) && (!user || user.disabled)) {
    throw new InvalidGrant('the user of this grant no longer exists or is disabled');
  }
  const refresh = wantsRefresh(ctx, facts.scopes);
  const familyId = facts.familyId ?? (refresh ? newFamilyId() : null);
  const familyStartedAt = facts.familyStartedAt ?? deps.clock.now();
  const resources = facts.resources ?? [];
  // A resource's own format and lifetime, else the policy's.
  const { ttl, format } = resourceTokenRules(resourceTargets(ctx, resources), { format: policy.accessTokenFormat, ttl: userTokenTtl(policy, facts.scopes) });
  const base = {
    clientId: client.clientId, userId: facts.userId, scopes: facts.scopes, authTime: facts.authTime,
    codeHash: facts.codeHash, familyId, grantId: facts.grantId, familyStartedAt,
  };
  const dpopJkt = ctx.dpop?.jkt;
  const access = await issueAccessToken(deps, rs, { ...base, ttl, format, resources, ...(dpopJkt ? { dpopJkt } : {}) });
  const response: TokenResponse = {
    access_token: access.token,
    token_type: tokenTypeOf(ctx),
    // The lifetime it was issued with: reading the clock again could cross a second (ttl - 1).
    ...(ttl !== null ? { expires_in: ttl } : {}),
    scope: facts.scopes.join(' '),
  };
  if (refresh && familyId) {
    // RFC 9449 §5: a public client's refresh token is bound to its DPoP key too (a confidential
    // client's is bound to its credentials already).
    const bindRefresh = client.public && dpopJkt ? { dpopJkt } : {};
    response.refresh_token = await issueRefreshToken(deps, rs, {
      ...base, familyId, familyStartedAt, resources: facts.grantedResources ?? resources, ...bindRefresh,
    });
  }
  if (openid && user) {
    response.id_token = await issueIdToken(deps, rs, {
      clientId: client.clientId, alg: client.idTokenSignedResponseAlg, user, scopes: facts.scopes, nonce: facts.nonce, authTime: facts.authTime, accessToken: access.token,
    });
  }
  if (facts.grantId) await deps.stores.grants.touch(facts.grantId, deps.clock.now());
  return response;
}
