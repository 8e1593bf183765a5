/** A Client from the registration fields shared by the import file and the admin API. */
import type { Client, GrantType, IdTokenAlg, TokenEndpointAuthMethod } from './types.js';

export interface ClientFields {
  client_id: string;
  client_name?: string;
  description?: string;
  public?: boolean;
  grant_types?: string[];
  redirect_uris?: string[];
  oauth_domain?: string | null;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  response_types?: string[];
  scopes?: string[];
  allowed_origins?: string[];
  post_logout_redirect_uris?: string[];
  id_token_signed_response_alg?: IdTokenAlg;
  dpop_bound_access_tokens?: boolean;
}

/** Response types follow the grants unless given: code for the code grant, token for implicit. */
export function responseTypesFor(grantTypes: GrantType[]): string[] {
  return [...(grantTypes.includes('authorization_code') ? ['code'] : []), ...(grantTypes.includes('implicit') ? ['token'] : [])];
}

export function clientWithDefaults(tenantId: string, serverId: string, c: ClientFields, ownerUserId: string | null = null): Client {
  const isPublic = c.public ?? false;
  const grantTypes = (c.grant_types ?? ['authorization_code']) as GrantType[];
  return {
    tenantId, serverId, clientId: c.client_id, name: c.client_name ?? c.client_id, description: c.description ?? '',
    public: isPublic, grantTypes, redirectUris: c.redirect_uris ?? [], oauthDomain: c.oauth_domain ?? null,
    scopes: c.scopes ?? ['openid'], responseTypes: c.response_types ?? responseTypesFor(grantTypes),
    tokenEndpointAuthMethod: c.token_endpoint_auth_method ?? (isPublic ? 'none' : 'client_secret_basic'), ownerUserId,
    allowedOrigins: c.allowed_origins ?? [], postLogoutRedirectUris: c.post_logout_redirect_uris ?? [],
    idTokenSignedResponseAlg: c.id_token_signed_response_alg ?? 'RS256',
    ...(c.dpop_bound_access_tokens ? { dpopBoundAccessTokens: true } : {}),
  };
}
