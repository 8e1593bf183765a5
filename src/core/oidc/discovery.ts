/** RFC 8414 / OIDC Discovery 1.0 metadata for one authorization server. */
import type { ResolvedServer } from '../directory.js';
import { ID_TOKEN_ALGS } from '../types.js';

export function discoveryDocument(rs: ResolvedServer, grantTypes: string[]): Record<string, unknown> {
  const i = rs.issuer;
  return {
    issuer: i,
    authorization_endpoint: `${i}/oauth2/authorize`,
    token_endpoint: `${i}/oauth2/token`,
    introspection_endpoint: `${i}/oauth2/introspect`,
    revocation_endpoint: `${i}/oauth2/revoke`,
    userinfo_endpoint: `${i}/userinfo`,
    jwks_uri: `${i}/.well-known/jwks.json`,
    end_session_endpoint: `${i}/oauth2/logout`,
    scopes_supported: [...rs.scopes.keys()],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: grantTypes,
    code_challenge_methods_supported: rs.server.settings.allowPlainPkce ? ['S256', 'plain'] : ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    subject_types_supported: ['public'],
    // Per client (id_token_signed_response_alg); RS256 first, the default relying parties expect.
    id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'preferred_username', 'email', 'email_verified'],
    prompt_values_supported: ['none', 'login', 'consent'],
    authorization_response_iss_parameter_supported: true,
  };
}
