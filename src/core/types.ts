/** The entities of the protocol core. Times are epoch seconds. */

export type AccessTokenFormat = 'jwt' | 'opaque';

export interface ServerSettings {
  accessTokenTtl: number;
  /** Lifetime of tokens from the Stack Exchange endpoints. */
  seAccessTokenTtl: number;
  /** Idle lifetime: each refresh token expires this long after it was issued. */
  refreshTokenTtl: number;
  /** Absolute lifetime of a refresh-token family, from the first token (RFC 9700 §4.14.2). */
  refreshTokenAbsoluteTtl: number;
  /** Signing keys older than this are rotated automatically; 0 turns scheduled rotation off. */
  keyRotationDays: number;
  accessTokenFormat: AccessTokenFormat;
  allowPlainPkce: boolean;
  signingAlg: 'ES256' | 'RS256' | 'EdDSA';
  /**
   * Dynamic client registration (RFC 7591): `off`, `open` (anyone may register), or `token`
   * (an initial access token made by an administrator is required).
   */
  registration: RegistrationPolicy;
  /** Most dynamically registered clients a server keeps; registrations beyond it are refused. */
  maxDynamicClients: number;
  /** A dynamically registered client unused for this many days is deleted (0: never). */
  dynamicClientIdleDays: number;
  /** A `client_id` that is an https URL is resolved by fetching its client ID metadata document. */
  clientIdMetadataDocuments: boolean;
  /** Protected resources (RFC 8707) clients may ask tokens for, with their own rules. */
  resources: ResourceSetting[];
  /** `listed`: only the resources above; `any-https`: any https URI (and http on a loopback address). */
  resourcePolicy: ResourcePolicy;
  /** RFC 9126 §5: every authorization request must be pushed first (PAR), whatever the client. */
  requirePushedAuthorizationRequests: boolean;
  /**
   * DPoP (RFC 9449): `allow` binds tokens to the key of a request's proof, `require` refuses
   * token requests without one (and asks for a server nonce), `off` ignores the header.
   */
  dpop: DpopPolicy;
}

export const DPOP_POLICIES = ['off', 'allow', 'require'] as const;
export type DpopPolicy = (typeof DPOP_POLICIES)[number];

export type ResourcePolicy = 'listed' | 'any-https';

/** A protected resource (an API) a token may be issued for: its URI becomes the token's `aud`. */
export interface ResourceSetting {
  uri: string;
  /** The scopes it accepts; absent: every scope of the server. */
  scopes?: string[];
  /** Its tokens' format; absent: the server's. */
  accessTokenFormat?: AccessTokenFormat;
  /** Its tokens' lifetime, in seconds; absent: the server's. */
  accessTokenTtl?: number;
}

export const REGISTRATION_POLICIES = ['off', 'open', 'token'] as const;
export type RegistrationPolicy = (typeof REGISTRATION_POLICIES)[number];

export interface ScopeDefinition {
  name: string;
  description: string;
}

export interface Tenant {
  id: string;
  name: string;
}

export interface AuthorizationServer {
  tenantId: string;
  id: string;
  settings: ServerSettings;
  /** Scopes defined by this server on top of the built-in ones. */
  customScopes: ScopeDefinition[];
}

export const GRANT_TYPES = [
  'authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'urn:pixie:grant-type:challenge-code',
  'urn:ietf:params:oauth:grant-type:device_code',
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

export interface Client {
  tenantId: string;
  serverId: string;
  clientId: string;
  name: string;
  description: string;
  public: boolean;
  grantTypes: GrantType[];
  redirectUris: string[];
  /** Stack Exchange–style: any https redirect URI on this host or a subdomain. */
  oauthDomain: string | null;
  scopes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  ownerUserId: string | null;
  /** Portal grant "authorization code with PKCE" only: refuse code requests without a challenge. */
  requirePkce?: boolean;
  /** Stack Exchange "non-web redirect": `{public-url}/oauth/login_success` is an allowed redirect URI. */
  nonWebRedirect?: boolean;
  /** CORS origins allowed beside those of the redirect URIs (browser apps). */
  allowedOrigins: string[];
  /** Where RP-initiated logout may send the browser back to (exact match). */
  postLogoutRedirectUris: string[];
  /** The alg of this client's ID tokens (OIDC Registration: RS256 unless registered otherwise). */
  idTokenSignedResponseAlg: IdTokenAlg;
  /**
   * Registered by itself (RFC 7591 dynamic registration) or described by a client ID metadata
   * document: nobody at the server vouched for it, and the consent page says so.
   */
  dynamic?: boolean;
  /** Described by the client ID metadata document at its client_id URL (not stored). */
  metadataDocument?: boolean;
  /** RFC 7592: hash of the registration access token that reads, updates and deletes it. */
  registrationTokenHash?: string | null;
  /** A dynamic client not used until then is deleted by the purge (null: never). */
  idleExpiresAt?: number | null;
  /** RFC 7591 metadata shown but not acted on: client_uri, logo_uri, tos_uri, policy_uri, contacts, software_id/version. */
  registrationMetadata?: Record<string, unknown>;
  /** Epoch seconds when it was registered (RFC 7591 client_id_issued_at). */
  createdAt?: number;
  /** RFC 9126 §6: every authorization request of this client must be pushed first (stores read it back as a boolean; absent: false). */
  requirePushedAuthorizationRequests?: boolean;
  /** RFC 9449 §5.2: every token request of this client must carry a DPoP proof. */
  dpopBoundAccessTokens?: boolean;
}

export const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IdTokenAlg = (typeof ID_TOKEN_ALGS)[number];

export interface ClientSecret {
  id: string;
  name: string;
  hash: string;
  displayPrefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** An API key: identifies the app, reads public data only; same lifecycle as a secret. */
export interface ApiKey extends ClientSecret {
  tenantId: string;
  serverId: string;
  clientId: string;
}

/** An initial access token (RFC 7591 §3): lets its holder register clients on a `token` server. */
export interface RegistrationToken {
  id: string;
  tenantId: string;
  serverId: string;
  name: string;
  hash: string;
  displayPrefix: string;
  createdAt: number;
  expiresAt: number | null;
  /** Registrations it allows in all; `uses` counts those made. */
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}

export interface User {
  tenantId: string;
  id: string;
  username: string;
  passwordHash: string;
  email: string | null;
  name: string | null;
  disabled: boolean;
}

export interface Grant {
  id: string;
  tenantId: string;
  serverId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AuthorizationCode {
  hash: string;
  tenantId: string;
  serverId: string;
  clientId: string;
  userId: string;
  grantId: string;
  redirectUri: string;
  /** False when the authorization request omitted redirect_uri; else the token request must repeat it (RFC 6749 §4.1.3). */
  redirectUriGiven?: boolean;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  nonce: string | null;
  authTime: number;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
  /** Set when the code was presented again after its first use. */
  replayedAt?: number | null;
  /** RFC 8707 resources of the authorization request (absent or empty: none). */
  resources?: string[];
  /** RFC 9449 §10: the JWK thumbprint the token request's DPoP proof must have (absent: any or none). */
  dpopJkt?: string;
}

export type TokenKind = 'access' | 'refresh';

export interface TokenRecord {
  hash: string;
  kind: TokenKind;
  tenantId: string;
  serverId: string;
  clientId: string;
  userId: string | null;
  scope: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** Code the token descends from: a replayed code revokes all of them (RFC 6749 §4.1.2). */
  codeHash: string | null;
  /** Refresh-token family: reuse of a rotated token revokes the family (RFC 9700 §4.14.2). */
  familyId: string | null;
  grantId: string | null;
  consumedAt: number | null;
  authTime: number | null;
  /** Challenge-code tokens: the holder must present the matching code_verifier. */
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** When the refresh-token family began, for its absolute lifetime. */
  familyStartedAt: number | null;
  /** RFC 8707 resources the token is for (its `aud`); absent or empty: the whole server. */
  resources?: string[];
  /** RFC 9449: the JWK thumbprint of the DPoP key the token is bound to (absent: a bearer token). */
  dpopJkt?: string;
}

export interface Session {
  hash: string;
  tenantId: string;
  userId: string;
  authTime: number;
  expiresAt: number;
}

/** A validated authorization request, parked while the user logs in and consents. */
export interface AuthorizationRequest {
  tenantId: string;
  serverId: string;
  clientId: string;
  redirectUri: string;
  /** False when redirect_uri was omitted (one registered URI): the token request may omit it too. */
  redirectUriGiven?: boolean;
  responseType: 'code' | 'token';
  scopes: string[];
  state: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  nonce: string | null;
  prompt: string[];
  maxAge: number | null;
  /** RFC 8707 resources asked for (absent or empty: none). */
  resources?: string[];
  /**
   * The name of the endpoint policy that took the request (EndpointPolicy.name): the HTTP layer
   * builds that policy again when sign-in or consent completes.
   */
  policy: string;
  /** RFC 9449 §10: `dpop_jkt`, the thumbprint the code's token request must prove. */
  dpopJkt?: string;
  /**
   * RFC 8628: the hash of the device code this sign-in approves. Consent then records the
   * decision on the device code instead of redirecting to the client.
   */
  deviceCode?: string;
}

export interface Interaction {
  id: string;
  request: AuthorizationRequest;
  createdAt: number;
  expiresAt: number;
  /** The client IP that started it: pending interactions are capped per IP. */
  ip?: string;
}

/**
 * RFC 9126: an authorization request a client pushed, until /authorize takes it (once). `params`
 * are the authorization parameters as pushed (checked then, and again when used); `resources`
 * the RFC 8707 `resource` values, which may repeat.
 */
export interface PushedAuthorizationRequest {
  /** sha256 of the request_uri. */
  hash: string;
  tenantId: string;
  serverId: string;
  clientId: string;
  params: Record<string, string>;
  resources: string[];
  expiresAt: number;
  createdAt: number;
  /** The client IP that pushed it: live requests are capped per IP. */
  ip?: string;
}

/** RFC 8628 §3.5: where a device authorization stands while the device polls. */
export type DeviceCodeStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

/** A device authorization request (RFC 8628 §3.1), its user's decision and its polling state. */
export interface DeviceCode {
  /** sha256 of the device code. */
  hash: string;
  /** sha256 of the normalised user code (unique among stored codes). */
  userCodeHash: string;
  tenantId: string;
  serverId: string;
  clientId: string;
  scope: string;
  /** RFC 8707 resources asked for (absent or empty: none). */
  resources?: string[];
  status: DeviceCodeStatus;
  /** Set when the user approved. */
  userId: string | null;
  grantId: string | null;
  authTime: number | null;
  /** Seconds the device must wait between polls; slow_down adds 5 (RFC 8628 §3.5). */
  interval: number;
  lastPolledAt: number | null;
  expiresAt: number;
  createdAt: number;
  /** The client IP that asked for it: pending codes are capped per IP. */
  ip?: string;
}
