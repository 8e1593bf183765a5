/** Kysely table interfaces. snake_case columns; times are epoch seconds; booleans are 0/1; JSON is text. */

export interface TenantsTable { id: string; name: string; created_at: number }
export interface ServersTable {
  tenant_id: string; id: string; settings: string; scopes: string; created_at: number; updated_at: number;
}
export interface SigningKeysTable {
  tenant_id: string; server_id: string; kid: string; alg: string; private_jwk: string; public_jwk: string;
  created_at: number; retired_at: number | null; expires_at: number | null;
}
export interface ClientsTable {
  tenant_id: string; server_id: string; client_id: string; client_name: string; description: string;
  public: number; grant_types: string; redirect_uris: string; oauth_domain: string | null; scopes: string;
  response_types: string; token_endpoint_auth_method: string; owner_user_id: string | null;
  created_at: number; updated_at: number;
  require_pkce: number; non_web_redirect: number;
  allowed_origins: string; post_logout_redirect_uris: string; id_token_signed_response_alg: string;
  dynamic: number; registration_token_hash: string | null; idle_expires_at: number | null; registration_metadata: string;
  require_pushed_authorization_requests: number;
  dpop_bound_access_tokens: number;
}
export interface ClientSecretsTable {
  id: string; tenant_id: string; server_id: string; client_id: string; name: string; secret_hash: string;
  display_prefix: string; created_at: number; expires_at: number | null; last_used_at: number | null;
  revoked_at: number | null;
}
export interface ApiKeysTable {
  id: string; tenant_id: string; server_id: string; client_id: string; name: string; key_hash: string;
  display_prefix: string; created_at: number; expires_at: number | null; last_used_at: number | null;
  revoked_at: number | null;
}
export interface UsersTable {
  tenant_id: string; id: string; username: string; password_hash: string; email: string | null;
  name: string | null; disabled: number; created_at: number; updated_at: number;
}
export interface GrantsTable {
  id: string; tenant_id: string; server_id: string; client_id: string; user_id: string; scopes: string;
  created_at: number; last_used_at: number | null; revoked_at: number | null;
}
export interface SessionsTable {
  hash: string; tenant_id: string; user_id: string; auth_time: number; expires_at: number; created_at: number;
}
export interface InteractionsTable {
  id: string; tenant_id: string; request: string; created_at: number; expires_at: number; ip: string;
}
export interface AuthorizationCodesTable {
  hash: string; tenant_id: string; server_id: string; client_id: string; user_id: string; grant_id: string;
  redirect_uri: string; scope: string; code_challenge: string | null; code_challenge_method: string | null;
  nonce: string | null; auth_time: number; expires_at: number; consumed_at: number | null; created_at: number;
  replayed_at: number | null; redirect_uri_given: number;
  /** RFC 8707 resources, space-separated; null: none. */
  resource: string | null;
  /** RFC 9449 §10: the DPoP key thumbprint the token request must prove; null: none. */
  dpop_jkt: string | null;
}
export interface TokensTable {
  hash: string; kind: string; tenant_id: string; server_id: string; client_id: string; user_id: string | null;
  scope: string; created_at: number; expires_at: number | null; revoked_at: number | null;
  code_hash: string | null; family_id: string | null; grant_id: string | null; consumed_at: number | null;
  auth_time: number | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  family_started_at: number | null;
  /** RFC 8707 resources (the token's audience), space-separated; null: the whole server. */
  resource: string | null;
  /** RFC 9449: thumbprint of the DPoP key the token is bound to; null: a bearer token. */
  dpop_jkt: string | null;
}

export interface DB {
  tenants: TenantsTable;
  servers: ServersTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  client_secrets: ClientSecretsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  grants: GrantsTable;
  sessions: SessionsTable;
  interactions: InteractionsTable;
  authorization_codes: AuthorizationCodesTable;
  tokens: TokensTable;
  login_attempts: LoginAttemptsTable;
  used_challenges: UsedChallengesTable;
  audit_log: AuditLogTable;
  heartbeat: HeartbeatTable;
  registration_tokens: RegistrationTokensTable;
  cookie_keys: CookieKeysTable;
  pushed_authorization_requests: PushedAuthorizationRequestsTable;
  dpop_jtis: DpopJtisTable;
  device_codes: DeviceCodesTable;
}

export interface RegistrationTokensTable {
  id: string; tenant_id: string; server_id: string; name: string; token_hash: string; display_prefix: string;
  created_at: number; expires_at: number | null; max_uses: number; uses: number; revoked_at: number | null;
}

export interface LoginAttemptsTable {
  key: string; failures: number; last_failure_at: number; locked_until: number | null;
}

export interface UsedChallengesTable {
  tenant_id: string; server_id: string; challenge: string; created_at: number;
}

export interface AuditLogTable {
  id: string; tenant_id: string; actor_tenant_id: string | null; actor_client_id: string; action: string; target: string;
  details: string; created_at: number;
}

/** One row per probe name, rewritten by /readyz's write probe. */
export interface HeartbeatTable {
  id: string; beat_at: number;
}

export interface CookieKeysTable {
  id: string; secret: string; created_at: number;
}

/** RFC 9126: a pushed authorization request, keyed by the sha256 of its request_uri; `params` is JSON. */
export interface PushedAuthorizationRequestsTable {
  hash: string; tenant_id: string; server_id: string; client_id: string; params: string; expires_at: number; created_at: number; ip: string;
}
export interface DpopJtisTable {
  tenant_id: string; server_id: string; jti_hash: string; expires_at: number;
}
/** RFC 8628 device authorization requests. */
export interface DeviceCodesTable {
  hash: string; user_code_hash: string; tenant_id: string; server_id: string; client_id: string; scope: string;
  /** RFC 8707 resources, space-separated; null: none. */
  resource: string | null;
  status: string; user_id: string | null; grant_id: string | null; auth_time: number | null;
  poll_interval: number; last_polled_at: number | null; expires_at: number; created_at: number; ip: string;
}
