/** OIDC Core §5.3 UserInfo: claims for the user of a valid access token with `openid`. */
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { checkPresentation, withDpopChallenge, type PresentedToken } from '../dpop/resource.js';
import { InsufficientScope, InvalidToken } from '../errors.js';
import { findActiveToken } from '../tokens/lookup.js';
import type { TokenRecord } from '../types.js';
import { userClaims } from './claims.js';

export async function userinfo(deps: CoreDeps, rs: ResolvedServer, presented: PresentedToken): Promise<Record<string, unknown>> {
  let rec: TokenRecord | null = null;
  return withDpopChallenge(presented, () => rec?.dpopJkt !== undefined, async () => {
    const accessToken = presented.token;
    if (!accessToken) throw new InvalidToken('an access token is required (Authorization: Bearer or DPoP)');
    rec = await findActiveToken(deps, rs, accessToken);
    if (!rec || rec.kind !== 'access') throw new InvalidToken('the access token is invalid, expired or revoked');
    // RFC 9449 §7: a bound token only with a proof of its key.
    await checkPresentation(deps, rs, rec, { ...presented, token: accessToken });
    const scopes = rec.scope.split(' ');
    if (!scopes.includes('openid') || !rec.userId) throw new InsufficientScope('the access token lacks the openid scope');
    const user = await deps.stores.users.findById(rs.server.tenantId, rec.userId);
    if (!user || user.disabled) throw new InvalidToken('the user of this token no longer exists');
    return { sub: user.id, ...userClaims(user, scopes) };
  });
}
