/**
 * TypeBox schemas of the admin API. The same objects validate HTTP input, describe
 * it in the OpenAPI document, and check `pixie admin` input: one description of each body.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Kind, Type, TypeRegistry } from '../vendor/typebox.js';
import { DPOP_POLICIES, GRANT_TYPES, ID_TOKEN_ALGS, REGISTRATION_POLICIES, TOKEN_ENDPOINT_AUTH_METHODS } from '../core/types.js';

const Strict = { additionalProperties: false } as const;

// A string enum as `{type, enum}`: Ajv then names the allowed values in one error. Registered
// as a kind so TypeBox's Value (used by `pixie admin`) can check it too.
if (!TypeRegistry.Has('StringEnum')) {
  TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}
function StringEnum<T extends string>(values: readonly T[], opts: object = {}) {
  return Type.Unsafe<T>({ [Kind]: 'StringEnum', type: 'string', enum: [...values], ...opts });
}
const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'tenant or server id' });
const ScopeToken = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$', maxLength: 200 });
const ClientId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._~-]+$' });
const Domain = Type.String({ pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$', maxLength: 253 });
const Time = Type.Integer({ description: 'epoch seconds' });
const ExpiresAt = Nullable(Type.String({ format: 'date-time', description: 'RFC 3339 time, or null for no expiry' }));

export const TenantParams = Type.Object({ tenant: Id }, Strict);
export const ServerParams = Type.Object({ tenant: Id, server: Id }, Strict);
export const ClientParams = Type.Object({ tenant: Id, server: Id, client: ClientId }, Strict);
export const SecretParams = Type.Object({ tenant: Id, server: Id, client: ClientId, secret: Type.String({ minLength: 1, maxLength: 100 }) }, Strict);
export const UserParams = Type.Object({ tenant: Id, user: Type.String({ minLength: 1, maxLength: 100 }) }, Strict);
export const ItemParams = Type.Object({ tenant: Id, id: Type.String({ minLength: 1, maxLength: 200 }) }, Strict);

export const PageQuery = Type.Object({
  // A string: query parameters are not coerced (the OAuth endpoints must see exactly what was sent).
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: 'page size, 1 to 200 (default 50)' })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'next_cursor of the previous page' })),
}, Strict);
export const ClientListQuery = Type.Object({
  ...PageQuery.properties, authorization_server_id: Type.Optional(Id),
  dynamic: Type.Optional(StringEnum(['true', 'false'] as const, { description: 'only clients that registered themselves (true), or only the others (false)' })),
}, Strict);
export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });
}

const Prefix = (what: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: what }));
export const TenantListQuery = Type.Object({
  ...PageQuery.properties,
  q: Prefix('only tenants whose id or name starts with this (ASCII letters compared without case)'),
}, Strict);
export const ServerListQuery = Type.Object({ ...PageQuery.properties, q: Prefix('only servers whose id starts with this') }, Strict);

export const Tenant = Type.Object({ id: Id, name: Type.String() });
export const TenantCreate = Type.Object({
  id: Id,
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  admin_client: Type.Optional(Type.Object({
    client_id: ClientId,
    client_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  }, { ...Strict, description: 'also create a confidential client_credentials client with scope manage_configuration on the tenant\'s admin server' })),
}, { ...Strict, examples: [{ id: 'acme', name: 'Acme', admin_client: { client_id: 'acme-admin' } }] });
export const CreatedTenant = Type.Object({
  ...Tenant.properties,
  admin_client: Type.Optional(Type.Object({
    authorization_server_id: Id, client_id: Type.String(),
    client_secret: Type.String({ description: 'shown once: only its hash is kept' }),
  })),
});

const Alg = StringEnum(['ES256', 'RS256', 'EdDSA'] as const);
const ServerSettingsFields = {
  accessTokenTtl: Type.Integer({ minimum: 30, maximum: 86400 * 30 }),
  seAccessTokenTtl: Type.Integer({ minimum: 30, maximum: 86400 * 365 }),
  refreshTokenTtl: Type.Integer({ minimum: 60, maximum: 86400 * 365 }),
  accessTokenFormat: StringEnum(['jwt', 'opaque'] as const),
  allowPlainPkce: Type.Boolean(),
  signingAlg: Alg,
  registration: StringEnum(REGISTRATION_POLICIES, {
    description: 'dynamic client registration (RFC 7591): off, open (anyone may register), or token (an initial access token is required)',
  }),
  maxDynamicClients: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'most dynamically registered clients the server keeps' }),
  dynamicClientIdleDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'days after which an unused dynamically registered client is deleted (0: never)' }),
  clientIdMetadataDocuments: Type.Boolean({ description: 'resolve a client_id that is an https URL by fetching its client ID metadata document' }),
  resources: Type.Array(Type.Object({
    uri: Type.String({ minLength: 1, maxLength: 2048, description: 'resource indicator (RFC 8707): an absolute URI without fragment' }),
    scopes: Type.Optional(Type.Array(ScopeToken, { uniqueItems: true, maxItems: 200, description: 'scopes it accepts; omitted: every scope' })),
    accessTokenFormat: Type.Optional(StringEnum(['jwt', 'opaque'] as const)),
    accessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 30 })),
  }, Strict), { maxItems: 100, description: 'protected resources clients may ask tokens for with `resource`; the token\'s aud is the resource' }),
  resourcePolicy: StringEnum(['listed', 'any-https'] as const, { description: 'listed: only the resources above; any-https: any https URI (and http on a loopback address)' }),
  dpop: StringEnum(DPOP_POLICIES, {
    description: 'DPoP (RFC 9449): allow (a proof binds the tokens to its key), require (every token request needs a proof with the server nonce), or off (DPoP headers ignored)',
  }),
};
export const ScopeDefinition = Type.Object({ name: ScopeToken, description: Type.String({ maxLength: 300 }) }, Strict);
export const ServerUpdate = Type.Partial(Type.Object({ ...ServerSettingsFields, scopes: Type.Array(ScopeDefinition, { maxItems: 200 }) }, Strict),
  { examples: [{ accessTokenTtl: 900, scopes: [{ name: 'read:orders', description: 'Read your orders' }] }] });
export const ServerCreate = Type.Composite([Type.Object({ id: Id }), ServerUpdate], { ...Strict, examples: [{
  id: 'partners', accessTokenTtl: 900, refreshTokenTtl: 1209600, accessTokenFormat: 'jwt', signingAlg: 'ES256',
  scopes: [{ name: 'read:orders', description: 'Read your orders' }],
}] });
export const Server = Type.Object({
  tenant_id: Id, id: Id, issuer: Type.String(), settings: Type.Object(ServerSettingsFields),
  scopes: Type.Array(ScopeDefinition, { description: 'scopes defined on top of the built-in ones' }),
});
export const SigningKey = Type.Object({
  kid: Type.String(), alg: Type.String(), created_at: Time, retired_at: Nullable(Time), expires_at: Nullable(Time),
  status: StringEnum(['active', 'retired', 'expired'] as const),
});
export const RotatedKeys = Type.Object({ kid: Type.String({ description: 'the new signing key' }), keys: Type.Array(SigningKey) });

const clientFields = {
  client_name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 2000 }),
  public: Type.Boolean(),
  grant_types: Type.Array(StringEnum(GRANT_TYPES), { uniqueItems: true, minItems: 1 }),
  redirect_uris: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 50 }),
  oauth_domain: Nullable(Domain),
  token_endpoint_auth_method: StringEnum(TOKEN_ENDPOINT_AUTH_METHODS, {
    description: 'the one way this client may authenticate at the token, introspection and revocation endpoints'
      + ' (enforced): client_secret_basic (default for confidential clients), client_secret_post, or none (public clients)',
  }),
  response_types: Type.Array(StringEnum(['code', 'token'] as const), { uniqueItems: true }),
  scopes: Type.Array(ScopeToken, { uniqueItems: true, maxItems: 200 }),
  allowed_origins: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
    maxItems: 50, uniqueItems: true, description: 'CORS origins of a browser app, beside the origins of its redirect URIs',
  }),
  post_logout_redirect_uris: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
    maxItems: 50, uniqueItems: true, description: 'where RP-initiated logout may return the browser (exact match)',
  }),
  id_token_signed_response_alg: StringEnum(ID_TOKEN_ALGS, { description: 'alg of this client\'s ID tokens (default RS256)' }),
  dpop_bound_access_tokens: Type.Boolean({ description: 'the client always uses DPoP (RFC 9449 §5.2): its token requests without a DPoP proof are refused' }),
};
/** RFC 7591 client metadata, plus `description` and `oauth_domain`. */
export const ClientCreate = Type.Object({
  authorization_server_id: Id,
  client_id: ClientId,
  ...Type.Partial(Type.Object(clientFields)).properties,
}, { ...Strict, examples: [{
  authorization_server_id: 'default', client_id: 'client-pkce', client_name: 'My app', grant_types: ['authorization_code'],
  public: true, redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', response_types: ['code'],
  scopes: ['openid'],
}] });
export const ClientUpdate = Type.Partial(Type.Object(clientFields, Strict), { examples: [{
  client_name: 'Acme web app', redirect_uris: ['https://app.acme.example/callback'], allowed_origins: ['https://app.acme.example'],
  post_logout_redirect_uris: ['https://app.acme.example/'],
}] });
export const Client = Type.Object({
  authorization_server_id: Id, client_id: Type.String(), ...clientFields, owner_user_id: Nullable(Type.String()),
  dynamic: Type.Boolean({ description: 'registered itself (RFC 7591): nobody at the server vouched for it' }),
});
export const CreatedClient = Type.Object({
  ...Client.properties,
  client_secret: Type.Optional(Type.String({ description: 'shown once: only its hash is kept' })),
});

export const SecretCreate = Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), expires_at: Type.Optional(ExpiresAt) },
  { ...Strict, examples: [{ name: '2027-01', expires_at: '2027-02-01T00:00:00Z' }] });
export const Secret = Type.Object({
  id: Type.String(), name: Type.String(), display_prefix: Type.String(), created_at: Time, expires_at: Nullable(Time),
  last_used_at: Nullable(Time), revoked_at: Nullable(Time),
});
export const CreatedSecret = Type.Object({ ...Secret.properties, secret: Type.String({ description: 'shown once: only its hash is kept' }) });

/** API keys have the lifecycle of a secret; the value is named `key` as in the import file. */
export const ApiKeyParams = Type.Object({ tenant: Id, server: Id, client: ClientId, key: Type.String({ minLength: 1, maxLength: 100 }) }, Strict);
export const ApiKeyCreate = Type.Object({ ...SecretCreate.properties }, { ...Strict, examples: [{ name: 'ci', expires_at: null }] });
export const ApiKey = Type.Object({ ...Secret.properties });
export const CreatedApiKey = Type.Object({ ...Secret.properties, key: Type.String({ description: 'shown once: only its hash is kept' }) });

export const UserCreate = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ minLength: 8, maxLength: 1000 }),
  email: Type.Optional(Nullable(Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }))),
  name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
}, { ...Strict, examples: [{ username: 'alice', password: 'correct horse battery staple', email: 'alice@example.com', name: 'Alice Example' }] });
export const UserUpdate = Type.Object({
  disabled: Type.Optional(Type.Boolean()),
  email: Type.Optional(Nullable(Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }))),
  name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
}, { ...Strict, examples: [{ disabled: true }] });
export const PasswordReset = Type.Object({
  password: Type.Optional(Type.String({ minLength: 8, maxLength: 1000, description: 'omit to have Pixie generate one (returned once)' })),
}, { ...Strict, examples: [{}] });
export const User = Type.Object({
  id: Type.String(), username: Type.String(), email: Nullable(Type.String()), name: Nullable(Type.String()), disabled: Type.Boolean(),
});
export const PasswordResetResult = Type.Object({ id: Type.String(), password: Type.Optional(Type.String({ description: 'the generated password, shown once' })) });

export const Grant = Type.Object({
  id: Type.String(), authorization_server_id: Type.String(), client_id: Type.String(), user_id: Type.String(),
  scopes: Type.Array(Type.String()), created_at: Time, last_used_at: Nullable(Time), revoked_at: Nullable(Time),
});
export const Token = Type.Object({
  id: Type.String({ description: 'the stored key (a hash or the JWT id): never the token itself' }),
  kind: StringEnum(['access', 'refresh'] as const), authorization_server_id: Type.String(), client_id: Type.String(),
  user_id: Nullable(Type.String()), scope: Type.String(), created_at: Time, expires_at: Nullable(Time), revoked_at: Nullable(Time),
  active: Type.Boolean(),
});
export const AuditEntry = Type.Object({
  id: Type.String(), actor: Type.Object({ tenant_id: Nullable(Type.String()), client_id: Type.String() }),
  action: Type.String(), target: Type.String(), details: Type.Record(Type.String(), Type.Unknown()), created_at: Time,
});
export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() });

export const RegistrationTokenCreate = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  expires_at: Type.Optional(ExpiresAt),
  max_uses: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'registrations it allows (default 1)' })),
}, { ...Strict, examples: [{ name: 'partner-onboarding', expires_at: '2027-02-01T00:00:00Z', max_uses: 5 }] });
export const RegistrationToken = Type.Object({
  id: Type.String(), name: Type.String(), display_prefix: Type.String(), created_at: Time, expires_at: Nullable(Time),
  max_uses: Type.Integer(), uses: Type.Integer(), revoked_at: Nullable(Time),
  status: StringEnum(['active', 'expired', 'used_up', 'revoked'] as const),
});
export const CreatedRegistrationToken = Type.Object({
  ...RegistrationToken.properties, token: Type.String({ description: 'shown once: only its hash is kept' }),
});
export const RegistrationTokenParams = Type.Object({ tenant: Id, server: Id, id: Type.String({ minLength: 1, maxLength: 100 }) }, Strict);

export type TenantCreateData = Static<typeof TenantCreate>;
export type ServerCreateData = Static<typeof ServerCreate>;
export type ServerUpdateData = Static<typeof ServerUpdate>;
export type ClientCreateData = Static<typeof ClientCreate>;
export type ClientUpdateData = Static<typeof ClientUpdate>;
export type ClientListQueryData = Static<typeof ClientListQuery>;
export type RegistrationTokenCreateData = Static<typeof RegistrationTokenCreate>;
export type ClientView = Static<typeof Client>;
export type SecretCreateData = Static<typeof SecretCreate>;
export type ApiKeyCreateData = Static<typeof ApiKeyCreate>;
export type UserCreateData = Static<typeof UserCreate>;
export type UserUpdateData = Static<typeof UserUpdate>;
export type PageQueryData = Static<typeof PageQuery>;
export type TenantListQueryData = Static<typeof TenantListQuery>;
export type ServerListQueryData = Static<typeof ServerListQuery>;
