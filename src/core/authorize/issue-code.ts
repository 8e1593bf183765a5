/** Create the authorization code (stored hashed) and the parameters of the success redirect. */
import { generateOpaqueToken, hashOpaqueToken } from '../../crypto/opaque-token.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { CODE_TTL } from '../settings.js';
import type { AuthorizationRequest } from '../types.js';

export async function issueAuthorizationCode(
  deps: CoreDeps, rs: ResolvedServer, req: AuthorizationRequest, userId: string, grantId: string, authTime: number,
): Promise<Record<string, string>> {
  const code = generateOpaqueToken('pxc');
  const now = deps.clock.now();
  await deps.stores.codes.save({
    hash: hashOpaqueToken(code), tenantId: req.tenantId, serverId: req.serverId, clientId: req.clientId, userId, grantId,
    redirectUri: req.redirectUri, redirectUriGiven: req.redirectUriGiven !== false, scope: req.scopes.join(' '), codeChallenge: req.codeChallenge,
    codeChallengeMethod: req.codeChallengeMethod, nonce: req.nonce, authTime, expiresAt: now + CODE_TTL,
    consumedAt: null, createdAt: now, ...(req.resources?.length ? { resources: req.resources } : {}),
    ...(req.dpopJkt ? { dpopJkt: req.dpopJkt } : {}),
  });
  // RFC 9207: iss lets the client detect mix-up attacks.
  return { code, ...(req.state !== null ? { state: req.state } : {}), iss: rs.issuer };
}
