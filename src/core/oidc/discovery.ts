/** RFC 8414 / OIDC Discovery 1.0 metadata for one authorization server. */
import type { ResolvedServer } from '../directory.js';
import { ADMIN_SERVER_ID } from '../scope.js';
import { ID_TOKEN_ALGS } from '../types.js';
import { DPOP_ALGS } from '../../crypto/dpop.js';

/**
 * Features Pixie does not offer, published because the specifications' defaults would say
 * otherwise (OIDC Discovery §3: request_uri_parameter_supported defaults to true) or because
 * relying parties look for them explicitly.
 */
const NOT_SUPPORTED = {
  request_parameter_supported: false,
  request_uri_parameter_supported: false,
  claims_parameter_supported: false,
  frontchannel_logout_supported: false,
  backchannel_logout_supported: false,
} as const;

/**
 * `token` (the implicit grant) is served only to clients that enabled it (legacy Stack Exchange
 * apps) and answers in the fragment; `code` answers in the query.
 */
const RESPONSE_TYPES = ['code', 'token'];
const RESPONSE_MODES = ['query', 'fragment'];

/** RFC 7591 registration and client ID metadata documents, where the server's settings turn them on. */
function registration(rs: ResolvedServer): Record<string, unknown> {
  const s = rs.server.settings;
  if (rs.server.id === ADMIN_SERVER_ID) return {};
  return {
    ...(s.registration !== 'off' ? { registration_endpoint: `${rs.issuer}/oauth2/register` } : {}),
    ...(s.clientIdMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
  };
}

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
    ...registration(rs),
    scopes_supported: [...rs.scopes.keys()],
    response_types_supported: RESPONSE_TYPES,
    response_modes_supported: RESPONSE_MODES,
    grant_types_supported: [...grantTypes, 'implicit'],
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
    ui_locales_supported: ['en'],
    ...NOT_SUPPORTED,
    // RFC 9126 §5. (request_uri_parameter_supported above is about request objects, RFC 9101.)
    pushed_authorization_request_endpoint: `${i}/oauth2/par`,
    require_pushed_authorization_requests: rs.server.settings.requirePushedAuthorizationRequests,
    // RFC 9449 §5.1: the algs of DPoP proofs; absent where DPoP is off.
    ...(rs.server.settings.dpop !== 'off' ? { dpop_signing_alg_values_supported: [...DPOP_ALGS] } : {}),
    // RFC 8628 §4
    device_authorization_endpoint: `${i}/oauth2/device_authorization`,
  };
}
