/**
 * What an endpoint decides on top of the protocol: the route that takes a request builds its
 * policy from the server's settings and hands it to core, which reads these fields and never
 * asks which endpoint it is serving. A grant reads what it needs from `ctx.policy`.
 */
import { resourceRules, type ResourceRules } from './resource.js';
import type { AccessTokenFormat, ServerSettings } from './types.js';

export interface EndpointPolicy {
  /**
   * Names the policy in a parked authorization request: when sign-in or consent completes, the
   * HTTP layer builds the policy of that name again. Core only stores it.
   */
  name: string;
  /** Lifetime, in seconds, of the access tokens issued for a user (code, refresh and implicit grants). */
  accessTokenTtl: number;
  /** A scope that, once granted, makes a user's access token never expire (no `expires_in`); null: none does. */
  noExpiryScope: string | null;
  /** Format of the access tokens the code and refresh grants issue (the implicit grant's are always opaque). */
  accessTokenFormat: AccessTokenFormat;
  /** Whether the code and refresh grants issue refresh tokens (for `offline_access`, or a client with the refresh_token grant). */
  refreshTokens: boolean;
  /** Whether a grant with the `openid` scope gets an ID token. */
  idTokens: boolean;
  /** What separates scopes in a `scope` parameter: spaces (RFC 6749 §3.3), or commas as well. */
  scopeSeparator: 'space' | 'space-or-comma';
  /**
   * Whether a confidential client may leave out its secret when a PKCE proof stands in for it
   * (grants that can check one say so with `pkceInsteadOfSecret`).
   */
  pkceMayReplaceSecret: boolean;
  /**
   * Whether `response_type=token` needs the client to list `token` in its response types; when
   * false, the implicit grant type is enough.
   */
  implicitNeedsResponseType: boolean;
  /**
   * How the implicit grant answers in the fragment: `rfc6749` sends `token_type`, `expires_in`
   * and `scope` (RFC 6749 §4.2.2); `expires` sends the lifetime as `expires` and nothing else.
   */
  implicitResponse: 'rfc6749' | 'expires';
  /**
   * Resource indicators (RFC 8707): the resources this endpoint issues tokens for, and its
   * policy for others; null: the endpoint ignores the `resource` parameter.
   */
  resources: ResourceRules | null;
  /**
   * Pushed authorization requests (RFC 9126): whether `request_uri` at the authorization
   * endpoint names a pushed request. Where false, the parameter is not read, and a client or
   * server that requires pushed requests is refused.
   */
  pushedRequests: boolean;
}

/** The name of the OAuth 2.1 policy: also what a parked request without a name uses. */
export const OAUTH21_POLICY = 'oauth2';

/** The policy of the OAuth 2.1 / OpenID Connect endpoints, from the server's settings. */
export function oauth21Policy(settings: ServerSettings): EndpointPolicy {
  return {
    name: OAUTH21_POLICY,
    accessTokenTtl: settings.accessTokenTtl,
    noExpiryScope: null,
    accessTokenFormat: settings.accessTokenFormat,
    refreshTokens: true,
    idTokens: true,
    scopeSeparator: 'space',
    pkceMayReplaceSecret: false,
    implicitNeedsResponseType: true,
    implicitResponse: 'rfc6749',
    resources: resourceRules(settings),
    pushedRequests: true,
  };
}

/** The lifetime of a user's access token with these scopes; null: it does not expire. */
export function userTokenTtl(policy: EndpointPolicy, scopes: string[]): number | null {
  // The no-expiry scope only counts when the client is allowed it; checkScopes has made sure of that.
  return policy.noExpiryScope !== null && scopes.includes(policy.noExpiryScope) ? null : policy.accessTokenTtl;
}

/** Whether the policy lets commas separate scopes (see parseScope). */
export function commaSeparatedScopes(policy: EndpointPolicy): boolean {
  return policy.scopeSeparator === 'space-or-comma';
}
