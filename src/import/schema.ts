/**
 * The import file, as a strict TypeBox schema: unknown fields are errors. The descriptions,
 * defaults and examples here are the reference: docs/configuration.md and
 * docs/import-file.schema.json are generated from them (`npm run docs:config`).
 */
import type { Static } from '@sinclair/typebox';
import { Type } from '../vendor/typebox.js';
import { GRANT_TYPES, ID_TOKEN_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from '../core/types.js';

const Id = (description: string) => Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description });
const Strict = { additionalProperties: false } as const;
const ExpiresAt = Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()],
  { description: 'When it stops working (RFC 3339 date-time); `null` or absent: never.', default: null, examples: ['2027-01-01T00:00:00Z'] }));

const NamedSecret = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Name of the secret, to rotate one while another still works.', examples: ['2026-12'] }),
  secret: Type.String({ minLength: 8, maxLength: 512, description: 'The secret (8 to 512 characters); stored hashed.' }),
  expires_at: ExpiresAt,
}, { ...Strict, title: 'NamedSecret' });

const NamedApiKey = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'Name of the key.', examples: ['ci'] }),
  key: Type.String({ minLength: 16, maxLength: 512, description: 'The key (16 to 512 characters); stored hashed.' }),
  expires_at: ExpiresAt,
}, { ...Strict, title: 'NamedApiKey' });

const ScopeToken = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$';

export const ImportClient = Type.Object({
  client_id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._~-]+$', description: 'The client identifier (RFC 6749 §2.2), unique in its server.', examples: ['my-spa'] }),
  client_name: Type.Optional(Type.String({ maxLength: 200, description: 'Name shown on the consent page; default: the `client_id`.', examples: ['My App'] })),
  description: Type.Optional(Type.String({ maxLength: 2000, description: 'Free text for administrators.', default: '' })),
  public: Type.Optional(Type.Boolean({ description: 'A public client (browser or native app) has no secret.', default: false })),
  grant_types: Type.Optional(Type.Array(Type.Union(GRANT_TYPES.map((g) => Type.Literal(g))),
    { uniqueItems: true, description: 'Grants the client may use.', default: ['authorization_code'], examples: [['authorization_code', 'refresh_token']] })),
  redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }),
    { description: 'Exact redirect URIs (https, or http on loopback, or a private-use scheme for native apps).', default: [], examples: [['https://app.example.com/callback']] })),
  oauth_domain: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' }), Type.Null()],
    { description: 'Stack Exchange–style OAuth domain: any redirect URI on this host (or a subdomain) is accepted.', default: null, examples: ['app.example.com'] })),
  token_endpoint_auth_method: Type.Optional(Type.Union(TOKEN_ENDPOINT_AUTH_METHODS.map((m) => Type.Literal(m)),
    { description: 'How the client authenticates at the token endpoint; default: `none` for a public client, else `client_secret_basic`.' })),
  response_types: Type.Optional(Type.Array(Type.Union([Type.Literal('code'), Type.Literal('token')]),
    { description: 'Default: `code` with the authorization_code grant, `token` with implicit.' })),
  scopes: Type.Optional(Type.Array(Type.String({ pattern: ScopeToken }),
    { description: 'Scopes the client may request.', default: ['openid'], examples: [['openid', 'profile', 'offline_access']] })),
  client_secret: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 512 }), Type.Array(NamedSecret)],
    { description: 'A confidential client\'s secret: one string (named `default`), or a list of named secrets with optional expiry. Omitted: secrets already stored are kept.', examples: ['change-me-0123456789'] })),
  api_keys: Type.Optional(Type.Array(NamedApiKey, { description: 'API keys of the client (Stack Exchange–style `key` parameter).', default: [] })),
  allowed_origins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }),
    { maxItems: 50, uniqueItems: true, description: 'Browser origins (exact, port included) allowed to call the token endpoints with CORS, besides the origins of the redirect URIs.', default: [], examples: [['https://app.example.com']] })),
  post_logout_redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }),
    { maxItems: 50, uniqueItems: true, description: 'Where RP-initiated logout may send the browser back to.', default: [], examples: [['https://app.example.com/']] })),
  id_token_signed_response_alg: Type.Optional(Type.Union(ID_TOKEN_ALGS.map((a) => Type.Literal(a)),
    { description: 'Signing algorithm of the client\'s ID tokens.', default: 'RS256' })),
  dpop_bound_access_tokens: Type.Optional(Type.Boolean({ description: 'The client always uses DPoP (RFC 9449 §5.2): its token requests without a DPoP proof are refused.', default: false })),
}, { ...Strict, title: 'Client' });

const Scope = Type.Object({
  name: Type.String({ pattern: ScopeToken, description: 'The scope token.', examples: ['read:orders'] }),
  description: Type.String({ maxLength: 300, description: 'Shown on the consent page.', examples: ['Read your orders'] }),
}, { ...Strict, title: 'Scope' });

const Resource = Type.Object({
  uri: Type.String({ minLength: 1, maxLength: 2048, description: 'The resource indicator: an absolute URI without fragment, e.g. the API\'s base URL.', examples: ['https://mcp.example.com/mcp'] }),
  scopes: Type.Optional(Type.Array(Type.String({ pattern: ScopeToken }), { uniqueItems: true, maxItems: 200, description: 'The scopes it accepts (besides openid, profile, email, offline_access). Omitted: every scope.' })),
  accessTokenFormat: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('opaque')], { description: 'Format of its access tokens. Omitted: the server\'s.' })),
  accessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 30, description: 'Lifetime of its access tokens, in seconds. Omitted: the server\'s.' })),
}, { ...Strict, title: 'Resource' });

export const ImportServer = Type.Object({
  id: Id('Server id, the second path segment of the issuer (`/{tenant}/{server}`).'),
  accessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 30, description: 'Access token lifetime, in seconds.', default: 3600 })),
  seAccessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 365, description: 'Lifetime of tokens from the Stack Exchange–compatible endpoints, in seconds.', default: 86400 })),
  refreshTokenTtl: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 365, description: 'Refresh token idle lifetime, in seconds (renewed at each rotation).', default: 2592000 })),
  refreshTokenAbsoluteTtl: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 3650, description: 'Longest life of a refresh token family, in seconds.', default: 7776000 })),
  keyRotationDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'Days between signing key rotations (0: never).', default: 90 })),
  accessTokenFormat: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('opaque')], { description: 'JWT access tokens (RFC 9068), or opaque ones checked by introspection.', default: 'jwt' })),
  allowPlainPkce: Type.Optional(Type.Boolean({ description: 'Accept PKCE `plain` as well as `S256`.', default: false })),
  signingAlg: Type.Optional(Type.Union([Type.Literal('ES256'), Type.Literal('RS256'), Type.Literal('EdDSA')], { description: 'Algorithm of the access token signing key.', default: 'ES256' })),
  registration: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('open'), Type.Literal('token')], {
    description: 'Dynamic client registration (RFC 7591) at `{issuer}/oauth2/register`: `off`; `open`, anyone may register a client; `token`, an initial access token made by an administrator is required.',
    default: 'off',
  })),
  maxDynamicClients: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Most dynamically registered clients the server keeps; further registrations are refused (403).', default: 1000 })),
  dynamicClientIdleDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: 'A dynamically registered client unused for this many days is deleted (0: never).', default: 30 })),
  clientIdMetadataDocuments: Type.Optional(Type.Boolean({ description: 'A `client_id` that is an https URL is resolved by fetching its client ID metadata document (a public client whose redirect URIs the document lists).', default: false })),
  scopes: Type.Optional(Type.Array(Scope, { description: 'Custom scopes of this server, besides the OpenID ones. Omitted: the scopes already stored are kept.', default: [] })),
  resources: Type.Optional(Type.Array(Resource, { maxItems: 100, description: 'Protected resources (APIs) clients may ask tokens for with the `resource` parameter (RFC 8707); the token\'s `aud` is the resource.', default: [] })),
  resourcePolicy: Type.Optional(Type.Union([Type.Literal('listed'), Type.Literal('any-https')], { description: 'Which `resource` values are accepted: `listed` (only those in `resources`) or `any-https` (any https URI, and http on a loopback address). Others get `invalid_target`.', default: 'listed' })),
  clients: Type.Optional(Type.Array(ImportClient, { description: 'Clients registered on this server.', default: [] })),
  dpop: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('allow'), Type.Literal('require')], {
    description: 'DPoP (RFC 9449): `allow` binds tokens to the key of a request\'s DPoP proof; `require` refuses token requests without a proof and asks for a server nonce; `off` ignores DPoP headers (bearer tokens only).',
    default: 'allow',
  })),
}, { ...Strict, title: 'Server' });

const User = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200, description: 'Sign-in name, unique in the tenant.', examples: ['alice'] }),
  password: Type.String({ minLength: 1, maxLength: 1000, description: 'Password; stored hashed (scrypt).' }),
  email: Type.Optional(Type.String({ maxLength: 320, description: 'The `email` claim.', examples: ['alice@example.com'] })),
  name: Type.Optional(Type.String({ maxLength: 200, description: 'The `name` claim.', examples: ['Alice Example'] })),
  disabled: Type.Optional(Type.Boolean({ description: 'A disabled user cannot sign in.', default: false })),
}, { ...Strict, title: 'User' });

const Tenant = Type.Object({
  id: Id('Tenant id, the first path segment of the issuer.'),
  name: Type.Optional(Type.String({ maxLength: 200, description: 'Display name; default: the id.', examples: ['Acme'] })),
  users: Type.Optional(Type.Array(User, { description: 'Users of the tenant (shared by its servers).', default: [] })),
  servers: Type.Optional(Type.Array(ImportServer, { description: 'Authorization servers of the tenant.', default: [] })),
}, { ...Strict, title: 'Tenant' });

export const ImportFile = Type.Object({
  $schema: Type.Optional(Type.String({ description: 'Ignored: lets an editor find the JSON Schema.', examples: ['./node_modules/pixie-auth/docs/import-file.schema.json'] })),
  tenants: Type.Array(Tenant, { description: 'Tenants to create or update.' }),
}, { ...Strict, title: 'Pixie import file' });

export type ImportFileData = Static<typeof ImportFile>;
export type ImportClientData = Static<typeof ImportClient>;
export type ImportServerData = Static<typeof ImportServer>;

/** Ids that would collide with Pixie's own paths. */
export const RESERVED_IDS = new Set([
  'api', 'oauth', 'oauth2', 'apps', 'login', 'logout', 'consent', 'account', 'pkce', 'healthz', 'readyz', 'metrics', 'static', '.well-known',
]);
