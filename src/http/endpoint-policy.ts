/**
 * The endpoint policies the routes hand to core: OAuth 2.1 for /{tenant}/{server}/oauth2/*, and
 * the Stack Exchange–compatible one for the endpoints at the root. A parked authorization request
 * carries its policy's name; login and consent build the same policy from it.
 */
import type { ResolvedServer } from '../core/directory.js';
import { oauth21Policy, type EndpointPolicy } from '../core/policy.js';
import type { ServerSettings } from '../core/types.js';

/** Also the value older releases stored with a parked request from these endpoints. */
const STACK_EXCHANGE_POLICY = 'stackexchange';

/**
 * As on Stack Exchange: opaque tokens that live `seAccessTokenTtl` (none with `no_expiry`),
 * no refresh or ID tokens, scopes separated by commas or spaces, a PKCE code may replace a
 * confidential app's secret, `/oauth/dialog` serves every app with the implicit grant and
 * answers `expires` alone.
 */
export function stackExchangePolicy(settings: ServerSettings): EndpointPolicy {
  return {
    name: STACK_EXCHANGE_POLICY,
    accessTokenTtl: settings.seAccessTokenTtl,
    noExpiryScope: 'no_expiry',
    accessTokenFormat: 'opaque',
    refreshTokens: false,
    idTokens: false,
    scopeSeparator: 'space-or-comma',
    pkceMayReplaceSecret: true,
    implicitNeedsResponseType: false,
    implicitResponse: 'expires',
    // Stack Exchange has no resource indicators: the parameter is ignored, as it always was.
    resources: null,
    // Stack Exchange has no pushed authorization requests: those are pushed to /oauth2/par of a server.
    pushedRequests: false,
  };
}

export function oauthPolicy(rs: ResolvedServer): EndpointPolicy {
  return oauth21Policy(rs.server.settings);
}

/**
 * The policy a parked request was taken with, from the server's current settings. Only these
 * two names are ever stored; anything else gets the OAuth 2.1 policy.
 */
export function policyNamed(name: string, rs: ResolvedServer): EndpointPolicy {
  return name === STACK_EXCHANGE_POLICY ? stackExchangePolicy(rs.server.settings) : oauthPolicy(rs);
}
