/**
 * The authorization endpoint's checks (RFC 6749 §4.1.1, RFC 7636 §4.3), in the order
 * that decides where an error may go: until client and redirect URI are verified, errors are
 * pages (AuthorizePageError); after that they go back to the client with state and iss.
 */
import { ClientDocumentError, findClient } from '../clients.js';
import type { ResolvedServer } from '../directory.js';
import type { CoreDeps } from '../deps.js';
import { AuthorizePageError, InvalidRequest, UnauthorizedClient, UnsupportedResponseType } from '../errors.js';
import { checkChallenge } from '../pkce.js';
import { commaSeparatedScopes, type EndpointPolicy } from '../policy.js';
import { loginSuccessUri, matchRedirectUri } from '../redirect-uri.js';
import { noteDynamicClientUse } from '../registration.js';
import { checkResources, checkResourceScopes, parseResources } from '../resource.js';
import { checkScopes, defaultScopes, parseScope } from '../scope.js';
import type { AuthorizationRequest, Client } from '../types.js';

export type RawParams = Record<string, string | undefined>;

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

export interface ValidatedAuthorization {
  client: Client;
  request: AuthorizationRequest;
}

/** Where errors may be redirected once client and redirect URI are known. */
export interface RedirectTarget {
  redirectUri: string;
  state: string | null;
  responseType: 'code' | 'token';
}

export async function verifyClientAndRedirect(deps: CoreDeps, rs: ResolvedServer, p: RawParams): Promise<{ client: Client; redirectUri: string }> {
  if (!p.client_id) throw new AuthorizePageError('invalid_request', 'client_id is missing');
  let client: Client | null;
  try {
    client = await findClient(deps, rs.server.tenantId, rs.server.id, p.client_id);
  } catch (err) {
    if (err instanceof ClientDocumentError) throw new AuthorizePageError('invalid_request', err.message);
    throw err;
  }
  if (!client) throw new AuthorizePageError('invalid_request', `unknown client "${p.client_id.slice(0, 80)}"`);
  const nonWeb = client.nonWebRedirect ? loginSuccessUri(deps.publicUrl) : null;
  let redirectUri = p.redirect_uri;
  if (redirectUri === undefined) {
    // RFC 6749 §3.1.2.3: may be omitted only when exactly one URI is registered.
    const only = [...client.redirectUris, ...(nonWeb ? [nonWeb] : [])];
    if (only.length !== 1 || client.oauthDomain) {
      throw new AuthorizePageError('invalid_request', 'redirect_uri is missing');
    }
    redirectUri = only[0]!;
  }
  if (redirectUri !== nonWeb && !matchRedirectUri(client, redirectUri)) {
    throw new AuthorizePageError('invalid_request', 'redirect_uri is not registered for this client');
  }
  return { client, redirectUri };
}

/**
 * The scopes asked for (the client's defaults without `scope`) and the RFC 8707 resources
 * (none where the policy takes none), checked against the client, the server and each other:
 * what a user is asked to approve, at /authorize and at the device authorization endpoint.
 */
export function checkedScopesAndResources(
  rs: ResolvedServer, client: Client, policy: EndpointPolicy, scope: string | undefined, resources: readonly string[],
): { scopes: string[]; resources: string[] } {
  const requested = parseScope(scope, commaSeparatedScopes(policy));
  const scopes = scope === undefined ? defaultScopes(client) : requested;
  checkScopes(scopes, client, rs.scopes);
  const targets = policy.resources && resources.length ? parseResources(resources) : [];
  if (targets.length) checkResourceScopes(checkResources(targets, policy.resources!), scopes);
  return { scopes, resources: targets };
}

/**
 * Throws AuthorizePageError before the redirect URI is trusted; redirectable OAuthErrors after.
 * `resources`: the `resource` values (RFC 8707), which may repeat; ignored where the policy takes none.
 */
export async function validateAuthorizationRequest(
  deps: CoreDeps, rs: ResolvedServer, p: RawParams, policy: EndpointPolicy, onTarget: (t: RedirectTarget) => void,
  resources: readonly string[] = [],
): Promise<ValidatedAuthorization> {
  const { client, redirectUri } = await verifyClientAndRedirect(deps, rs, p);
  await noteDynamicClientUse(deps, rs, client);
  const responseType = p.response_type === 'token' ? 'token' : 'code';
  onTarget({ redirectUri, state: p.state ?? null, responseType });
  if (p.response_type !== 'code' && p.response_type !== 'token') {
    throw new UnsupportedResponseType(p.response_type ? `response_type "${p.response_type.slice(0, 40)}" is not supported` : 'response_type is missing');
  }
  const grant = responseType === 'code' ? 'authorization_code' : 'implicit';
  if (!client.grantTypes.includes(grant)) throw new UnauthorizedClient(`client may not use the ${grant} grant`);
  if (responseType === 'token' && policy.implicitNeedsResponseType && !client.responseTypes.includes('token')) {
    throw new UnsupportedResponseType('response_type "token" is not enabled for this client');
  }
  // The implicit grant hands the token to the browser with no proof of any key: it cannot give a
  // DPoP-bound token (RFC 9449 §5), so where one is required it gives none.
  if (responseType === 'token' && (client.dpopBoundAccessTokens || rs.server.settings.dpop === 'require')) {
    throw new UnsupportedResponseType('response_type "token" cannot issue DPoP-bound access tokens, which this client or server requires');
  }
  const { scopes, resources: targets } = checkedScopesAndResources(rs, client, policy, p.scope, resources);
  const prompt = p.prompt ? p.prompt.split(' ').filter(Boolean) : [];
  for (const v of prompt) if (!PROMPTS.has(v)) throw new InvalidRequest(`prompt value "${v.slice(0, 20)}" is not supported`);
  if (prompt.includes('none') && prompt.length > 1) throw new InvalidRequest('prompt=none cannot be combined with other values');
  const pkce = readPkce(p, client, rs, responseType);
  let maxAge: number | null = null;
  if (p.max_age !== undefined) {
    if (!/^\d{1,9}$/.test(p.max_age)) throw new InvalidRequest('max_age must be a number of seconds');
    maxAge = Number(p.max_age);
  }
  // The ID token's key (RSA takes ~100 ms to make) is made while the user signs in, not at /token.
  if (scopes.includes('openid')) deps.directory.prepareKey(rs, client.idTokenSignedResponseAlg);
  return {
    client,
    request: {
      tenantId: rs.server.tenantId, serverId: rs.server.id, clientId: client.clientId, redirectUri, redirectUriGiven: p.redirect_uri !== undefined, responseType,
      scopes, state: p.state ?? null, ...pkce, nonce: p.nonce ?? null, prompt, maxAge, policy: policy.name,
      ...(targets.length ? { resources: targets } : {}),
      ...readDpopJkt(p, rs),
    },
  };
}

/**
 * RFC 9449 §10: `dpop_jkt` binds the code to the key whose proof must come with its exchange
 * (a SHA-256 JWK thumbprint: 43 base64url characters). Ignored where DPoP is off, as every
 * other DPoP input is there.
 */
function readDpopJkt(p: RawParams, rs: ResolvedServer): Pick<AuthorizationRequest, 'dpopJkt'> {
  if (p.dpop_jkt === undefined || rs.server.settings.dpop === 'off') return {};
  if (!/^[A-Za-z0-9_-]{43}$/.test(p.dpop_jkt)) throw new InvalidRequest('dpop_jkt must be a base64url SHA-256 JWK thumbprint (43 characters)');
  return { dpopJkt: p.dpop_jkt };
}

function readPkce(
  p: RawParams, client: Client, rs: ResolvedServer, responseType: 'code' | 'token',
): Pick<AuthorizationRequest, 'codeChallenge' | 'codeChallengeMethod'> {
  if (p.code_challenge === undefined) {
    if (p.code_challenge_method !== undefined) throw new InvalidRequest('code_challenge_method sent without code_challenge');
    // PKCE is required for public clients using the code flow.
    if (client.public && responseType === 'code') throw new InvalidRequest('code_challenge is required (PKCE with S256) for public clients');
    // An app that enabled only "authorization code with PKCE".
    if (client.requirePkce && responseType === 'code') throw new InvalidRequest('code_challenge is required (PKCE with S256) for this application');
    return { codeChallenge: null, codeChallengeMethod: null };
  }
  const method = checkChallenge(p.code_challenge, p.code_challenge_method, rs.server.settings.allowPlainPkce);
  return { codeChallenge: p.code_challenge, codeChallengeMethod: method };
}
