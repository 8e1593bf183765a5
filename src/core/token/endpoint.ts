/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, check the grant is allowed,
 * strip undeclared parameters, dispatch to the grant handler.
 */
import { authenticateClient, readClientCredentials, withClientRealm } from '../client-auth/authenticate.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import type { GrantRegistry } from './registry.js';
import type { TokenDialect, TokenResponse } from './types.js';

export interface TokenRequest {
  params: Record<string, string | undefined>;
  authorization: string | undefined;
  dialect: TokenDialect;
}

export function handleTokenRequest(
  deps: CoreDeps, registry: GrantRegistry, rs: ResolvedServer, req: TokenRequest,
): Promise<TokenResponse> {
  return withClientRealm(rs.issuer, () => tokenRequest(deps, registry, rs, req));
}

async function tokenRequest(
  deps: CoreDeps, registry: GrantRegistry, rs: ResolvedServer, req: TokenRequest,
): Promise<TokenResponse> {
  const grantType = req.params.grant_type;
  if (!grantType) throw new InvalidRequest('grant_type is required');
  const handler = registry.get(grantType);
  if (!handler) throw new UnsupportedGrantType(`grant_type "${grantType.slice(0, 60)}" is not supported`);
  const creds = readClientCredentials(req.params, req.authorization);
  // On the Stack Exchange endpoints a confidential app may exchange a PKCE code without
  // its secret; the authorization_code grant refuses it when the code had no challenge.
  const secretless = req.dialect === 'stackexchange' && handler.grantType === 'authorization_code' && creds.secret === null;
  const client = await authenticateClient(deps, rs.server.tenantId, rs.server.id, creds, { secretOptionalForConfidential: secretless });
  if (!client.grantTypes.includes(handler.grantType)) {
    throw new UnauthorizedClient(`client "${client.clientId}" may not use grant_type "${grantType}"`);
  }
  const params: Record<string, string | undefined> = {};
  for (const name of handler.parameters) params[name] = req.params[name];
  return handler.handle({ deps, rs, client, params, dialect: req.dialect, secretless: secretless && !client.public });
}
