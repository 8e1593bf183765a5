/**
 * The token endpoint (RFC 6749 §3.2): authenticate the client, check the grant is allowed,
 * strip undeclared parameters, dispatch to the grant handler.
 */
import { noteDynamicClientUse } from '../registration.js';
import { authenticateClient, readClientCredentials, withClientRealm } from '../client-auth/authenticate.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import type { DpopRequest } from '../dpop/proof.js';
import { nextDpopNonce, tokenRequestProof } from '../dpop/token-request.js';
import { InvalidRequest, UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import type { EndpointPolicy } from '../policy.js';
import { parseResources } from '../resource.js';
import type { GrantRegistry } from './registry.js';
import type { TokenResponse } from './types.js';

export interface TokenRequest {
  params: Record<string, string | undefined>;
  authorization: string | undefined;
  /** Built by the route that took the request, from the server's settings. */
  policy: EndpointPolicy;
  /** The `resource` values (RFC 8707), which may repeat; ignored where the policy takes none. */
  resources?: readonly string[];
  /** The request's DPoP headers, method and URL (RFC 9449); absent: the endpoint takes no proofs. */
  dpop?: DpopRequest;
  /** Given the `DPoP-Nonce` to send with the answer (RFC 9449 §8.2), where the server requires nonces. */
  onDpopNonce?: (nonce: string) => void;
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
  // Where the policy allows it, a confidential app may leave out its secret for a grant that
  // checks a PKCE proof instead (authorization_code refuses it when the code had no challenge).
  const secretless = req.policy.pkceMayReplaceSecret && handler.pkceInsteadOfSecret === true && creds.secret === null;
  const client = await authenticateClient(deps, rs.server.tenantId, rs.server.id, creds, { secretOptionalForConfidential: secretless });
  if (!client.grantTypes.includes(handler.grantType)) {
    throw new UnauthorizedClient(`client "${client.clientId}" may not use grant_type "${grantType}"`);
  }
  await noteDynamicClientUse(deps, rs, client);
  const params: Record<string, string | undefined> = {};
  for (const name of handler.parameters) params[name] = req.params[name];
  const resources = req.policy.resources && req.resources?.length ? parseResources(req.resources) : [];
  const dpop = await tokenRequestProof(deps, rs, client, req.dpop);
  const response = await handler.handle({ deps, rs, client, params, policy: req.policy, secretless: secretless && !client.public, resources, dpop });
  if (req.onDpopNonce) {
    const nonce = await nextDpopNonce(deps, rs);
    if (nonce) req.onDpopNonce(nonce);
  }
  return response;
}
