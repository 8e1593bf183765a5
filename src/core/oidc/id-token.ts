/** OpenID Connect Core §2 ID tokens with nonce, at_hash and auth_time. */
import { halfHash, signJwt } from '../../crypto/jwt.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import type { IdTokenAlg, User } from '../types.js';
import { userClaims } from './claims.js';

export interface IdTokenRequest {
  clientId: string;
  alg: IdTokenAlg;
  user: User;
  scopes: string[];
  nonce: string | null;
  authTime: number;
  accessToken: string;
}

/** Signed with the client's `id_token_signed_response_alg` (RS256 unless it registered another). */
export async function issueIdToken(deps: CoreDeps, rs: ResolvedServer, req: IdTokenRequest): Promise<string> {
  const key = await deps.directory.keyFor(rs, req.alg);
  const now = deps.clock.now();
  return signJwt(key, 'JWT', {
    iss: rs.issuer,
    sub: req.user.id,
    aud: req.clientId,
    azp: req.clientId,
    iat: now,
    exp: now + rs.server.settings.accessTokenTtl,
    auth_time: req.authTime,
    ...(req.nonce !== null ? { nonce: req.nonce } : {}),
    at_hash: halfHash(key.alg, req.accessToken),
    ...userClaims(req.user, req.scopes),
  });
}
