/** RFC 7662 token introspection and RFC 7009 revocation. */
import { authenticateClient, readClientCredentials, withClientRealm } from './client-auth/authenticate.js';
import { findActiveApiKey } from './api-keys.js';
import type { CoreDeps } from './deps.js';
import type { ResolvedServer } from './directory.js';
import { InvalidRequest, UnauthorizedClient } from './errors.js';
import { verifyPkce } from './pkce.js';
import { tokenAudience } from './resource.js';
import { findActiveToken, findToken } from './tokens/lookup.js';
import type { Client, TokenRecord } from './types.js';

export type IntrospectionResponse =
  | { active: false }
  | {
      active: true; scope: string; client_id: string; sub: string; exp?: number; iat: number;
      token_type: string; iss: string; aud?: string | string[];
      /** Challenge-code tokens: the resource server must check the presenter's verifier. */
      code_challenge?: string; code_challenge_method?: string;
      /** RFC 9449 §6.2: the DPoP key a bound token must be presented with. */
      cnf?: { jkt: string };
    };

interface EndpointRequest {
  params: Record<string, string | undefined>;
  authorization: string | undefined;
}

/** The resource server or client authenticates as at the token endpoint, with its registered method. */
function authenticate(deps: CoreDeps, rs: ResolvedServer, req: EndpointRequest): Promise<Client> {
  return withClientRealm(rs.issuer, async () => authenticateClient(deps, rs.server.tenantId, rs.server.id, readClientCredentials(req.params, req.authorization)));
}

/** Any confidential client of the same server may introspect; public clients may not. */
export async function introspect(deps: CoreDeps, rs: ResolvedServer, req: EndpointRequest): Promise<IntrospectionResponse> {
  const client = await authenticate(deps, rs, req);
  if (client.public) throw new UnauthorizedClient('public clients may not introspect tokens');
  const token = req.params.token;
  if (!token) throw new InvalidRequest('token is required');
  const rec = token.startsWith('pxk_') ? null : await findActiveToken(deps, rs, token);
  if (!rec) return introspectApiKey(deps, rs, token);
  if (rec.codeChallenge && (req.params.code_verifier === undefined || !verifierMatches(req.params.code_verifier, rec.codeChallenge, rec.codeChallengeMethod))) {
    // A challenge-bound token is only active together with its code_verifier.
    return { active: false };
  }
  return {
    active: true,
    scope: rec.scope,
    client_id: rec.clientId,
    sub: rec.userId ?? rec.clientId,
    ...(rec.expiresAt !== null ? { exp: rec.expiresAt } : {}),
    iat: rec.createdAt,
    // RFC 9449 §6.2: a bound access token is of type DPoP, with the key's thumbprint in cnf.
    token_type: rec.kind === 'refresh' ? 'refresh_token' : rec.dpopJkt !== undefined ? 'DPoP' : 'Bearer',
    iss: rs.issuer,
    // RFC 8707: the resources the token is for (a token without them is for the whole server, and has no `aud` here).
    ...(rec.kind === 'access' && rec.resources?.length ? { aud: tokenAudience(rec.resources, rs.issuer) } : {}),
    ...(rec.codeChallenge ? { code_challenge: rec.codeChallenge, code_challenge_method: rec.codeChallengeMethod ?? 'S256' } : {}),
    ...(rec.dpopJkt !== undefined ? { cnf: { jkt: rec.dpopJkt } } : {}),
  };
}

function verifierMatches(verifier: string, challenge: string, method: TokenRecord['codeChallengeMethod']): boolean {
  try {
    verifyPkce(verifier, challenge, method ?? 'S256');
    return true;
  } catch {
    return false;
  }
}

/** An API key names the app and reads public data only, so it has no scope. */
async function introspectApiKey(deps: CoreDeps, rs: ResolvedServer, value: string): Promise<IntrospectionResponse> {
  const key = await findActiveApiKey(deps, rs, value);
  if (!key) return { active: false };
  return {
    active: true, scope: '', client_id: key.clientId, sub: key.clientId, ...(key.expiresAt !== null ? { exp: key.expiresAt } : {}),
    iat: key.createdAt, token_type: 'api_key', iss: rs.issuer,
  };
}

/** RFC 7009 §2.1: a client revokes its own tokens; unknown tokens are not an error. */
export async function revoke(deps: CoreDeps, rs: ResolvedServer, req: EndpointRequest): Promise<void> {
  const client = await authenticate(deps, rs, req);
  const token = req.params.token;
  if (!token) throw new InvalidRequest('token is required');
  const rec = await findToken(deps, rs, token);
  if (!rec || rec.clientId !== client.clientId) return;
  const now = deps.clock.now();
  await deps.stores.tokens.revoke(rec.hash, now);
  // RFC 7009 §2.1: revoking a refresh token also revokes the access tokens of its grant.
  if (rec.kind === 'refresh' && rec.familyId) await deps.stores.tokens.revokeFamily(rec.familyId, now);
}
