/**
 * Pushed authorization requests (RFC 9126). A client posts its authorization request, with
 * its client authentication, to the PAR endpoint; every check the authorization endpoint makes
 * is made then, and the request is kept for PUSHED_REQUEST_TTL seconds under a random
 * `request_uri`. The browser then goes to /authorize with only `client_id` and `request_uri`:
 * the request is taken once, and checked again against the client as it is now (§7.4).
 */
import { sha256Base64url } from '../../crypto/digest.js';
import { randomBase64url } from '../../crypto/random.js';
import { authenticateClient, readClientCredentials, withClientRealm } from '../client-auth/authenticate.js';
import type { CoreDeps } from '../deps.js';
import type { ResolvedServer } from '../directory.js';
import { checkDpopProof, type DpopRequest } from '../dpop/proof.js';
import { AuthorizePageError, InvalidDpopProof, InvalidRequest, InvalidRequestUri } from '../errors.js';
import type { EndpointPolicy } from '../policy.js';
import type { Client } from '../types.js';
import { refuseWhenFull, type ParkLimits } from '../interaction/flow.js';
import { checkAuthorizeSizes } from './limits.js';
import { validateAuthorizationRequest, verifyClientAndRedirect, type RawParams, type RedirectTarget } from './validate-request.js';

/** RFC 9126 §2.2: short-lived; the client uses it at once. */
export const PUSHED_REQUEST_TTL = 60;
/** RFC 9126 §2.2: the URN prefix of the request URIs Pixie hands out. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** The pushed request's reference (RFC 9126 §2.2), answered 201. */
export interface PushedRequestResponse {
  request_uri: string;
  expires_in: number;
}

export interface PushRequest {
  /** The form body: authorization parameters and client authentication. */
  params: Record<string, string | undefined>;
  /** `resource` values (RFC 8707), which may repeat. */
  resources: readonly string[];
  authorization: string | undefined;
  policy: EndpointPolicy;
  /** The request's DPoP proof, if any (RFC 9449 §10.1). */
  dpop?: DpopRequest;
  /**
   * Who pushes, and how many live requests one IP and all may hold: a public client's pushes
   * need no secret, so without caps anyone could fill the disk (RFC 9126 §2.3 answers 429).
   */
  limits: ParkLimits;
}

/** Parameters of the push that authenticate the client: never stored with the request. */
const CLIENT_AUTH_PARAMS = new Set(['client_secret']);

/**
 * RFC 9126 §2: authenticate the client as the token endpoint does, check the request as the
 * authorization endpoint does (its errors answered as JSON, nothing redirected), keep it.
 */
export function pushAuthorizationRequest(deps: CoreDeps, rs: ResolvedServer, req: PushRequest): Promise<PushedRequestResponse> {
  return withClientRealm(rs.issuer, async () => {
    const creds = readClientCredentials(req.params, req.authorization);
    const client = await authenticateClient(deps, rs.server.tenantId, rs.server.id, creds);
    // §2.1: a request_uri cannot name another request; it is what this endpoint hands out.
    if (req.params.request_uri !== undefined) throw new InvalidRequest('request_uri must not be sent to the pushed authorization request endpoint');
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.params)) {
      if (value !== undefined && !CLIENT_AUTH_PARAMS.has(name)) params[name] = value;
    }
    // With Basic authentication the body may leave client_id out; the request is the client's.
    params.client_id = client.clientId;
    await bindProofKey(deps, rs, req.dpop, params);
    checkAuthorizeSizes({ ...params, ...(req.resources.length ? { resource: [...req.resources] } : {}) });
    await validateAuthorizationRequest(deps, rs, params, req.policy, () => undefined, req.resources);
    const requestUri = REQUEST_URI_PREFIX + randomBase64url(32);
    const now = deps.clock.now();
    refuseWhenFull(await deps.stores.pushedRequests.countLive(req.limits.ip, now), req.limits, {
      ip: 'too many pushed authorization requests are waiting from this address; use them, or try again in a minute',
      total: 'too many pushed authorization requests are waiting; try again in a minute',
    });
    await deps.stores.pushedRequests.save({
      hash: sha256Base64url(requestUri), tenantId: rs.server.tenantId, serverId: rs.server.id, clientId: client.clientId,
      params, resources: [...req.resources], expiresAt: now + PUSHED_REQUEST_TTL, createdAt: now, ip: req.limits.ip,
    });
    return { request_uri: requestUri, expires_in: PUSHED_REQUEST_TTL };
  });
}

/**
 * RFC 9449 §10.1: a DPoP proof on the push binds the code to its key, as `dpop_jkt` would;
 * with both, they must name the same key. Where DPoP is off the header is ignored, as at the
 * token endpoint.
 */
async function bindProofKey(deps: CoreDeps, rs: ResolvedServer, dpop: DpopRequest | undefined, params: Record<string, string>): Promise<void> {
  if (!dpop || rs.server.settings.dpop === 'off') return;
  const proof = await checkDpopProof(deps, rs, dpop, { nonceRequired: rs.server.settings.dpop === 'require', status: 400 });
  if (!proof) return;
  if (params.dpop_jkt !== undefined && params.dpop_jkt !== proof.jkt) {
    throw new InvalidDpopProof('dpop_jkt names another key than the DPoP proof of the request');
  }
  params.dpop_jkt = proof.jkt;
}

/**
 * RFC 9126 §4: the pushed request `requestUri` names, taken (single use, §7.3) for the client
 * named on the query. Throws invalid_request_uri when there is none for that client: redirected
 * to the client only when its one registered redirect URI is certain, else an error page.
 */
export async function takePushedRequest(
  deps: CoreDeps, rs: ResolvedServer, clientId: string | undefined, requestUri: string, onTarget: (t: RedirectTarget) => void,
): Promise<{ params: RawParams; resources: string[] }> {
  if (!clientId) throw new AuthorizePageError('invalid_request', 'client_id is missing');
  const found = requestUri.startsWith(REQUEST_URI_PREFIX)
    ? await deps.stores.pushedRequests.take(rs.server.tenantId, rs.server.id, clientId, sha256Base64url(requestUri), deps.clock.now())
    : null;
  if (found) return { params: found.params, resources: found.resources };
  const description = 'request_uri is unknown, expired, already used, or was pushed by another client';
  const redirectUri = await soleRedirectUri(deps, rs, clientId);
  if (redirectUri === null) throw new AuthorizePageError('invalid_request_uri', description);
  onTarget({ redirectUri, state: null, responseType: 'code' });
  throw new InvalidRequestUri(description);
}

/** The client's redirect URI when it registered exactly one (RFC 6749 §3.1.2.3); null otherwise, or for an unknown client. */
async function soleRedirectUri(deps: CoreDeps, rs: ResolvedServer, clientId: string): Promise<string | null> {
  try {
    return (await verifyClientAndRedirect(deps, rs, { client_id: clientId })).redirectUri;
  } catch (err) {
    if (err instanceof AuthorizePageError) return null;
    throw err;
  }
}

/**
 * RFC 9126 §5, §6: a server or client that requires pushed requests refuses one that was not
 * pushed. Called once client and redirect URI are verified, so the error goes back to the client.
 */
export function checkPushedRequestNotRequired(rs: ResolvedServer, client: Client): void {
  if (rs.server.settings.requirePushedAuthorizationRequests || client.requirePushedAuthorizationRequests === true) {
    throw new InvalidRequest('pushed authorization request required');
  }
}
