/** The import file (`PIXIE_IMPORT`), as a strict TypeBox schema: unknown fields are errors. */
import type { Static } from '@sinclair/typebox';
import { Type } from '../vendor/typebox.js';
import { GRANT_TYPES, ID_TOKEN_ALGS, TOKEN_ENDPOINT_AUTH_METHODS } from '../core/types.js';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' });
const Strict = { additionalProperties: false } as const;

const NamedSecret = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  secret: Type.String({ minLength: 8, maxLength: 512 }),
  expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
}, Strict);

const NamedApiKey = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  key: Type.String({ minLength: 16, maxLength: 512 }),
  expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
}, Strict);

export const ImportClient = Type.Object({
  client_id: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._~-]+$' }),
  client_name: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  public: Type.Optional(Type.Boolean()),
  grant_types: Type.Optional(Type.Array(Type.Union(GRANT_TYPES.map((g) => Type.Literal(g))), { uniqueItems: true })),
  redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }))),
  oauth_domain: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' }), Type.Null()])),
  token_endpoint_auth_method: Type.Optional(Type.Union(TOKEN_ENDPOINT_AUTH_METHODS.map((m) => Type.Literal(m)))),
  response_types: Type.Optional(Type.Array(Type.Union([Type.Literal('code'), Type.Literal('token')]))),
  scopes: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }))),
  client_secret: Type.Optional(Type.Union([Type.String({ minLength: 8, maxLength: 512 }), Type.Array(NamedSecret)])),
  api_keys: Type.Optional(Type.Array(NamedApiKey)),
  allowed_origins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50, uniqueItems: true })),
  post_logout_redirect_uris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), { maxItems: 50, uniqueItems: true })),
  id_token_signed_response_alg: Type.Optional(Type.Union(ID_TOKEN_ALGS.map((a) => Type.Literal(a)))),
}, Strict);

const Scope = Type.Object({ name: Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), description: Type.String({ maxLength: 300 }) }, Strict);

export const ImportServer = Type.Object({
  id: Id,
  accessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 30 })),
  seAccessTokenTtl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86400 * 365 })),
  refreshTokenTtl: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 365 })),
  refreshTokenAbsoluteTtl: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 * 3650 })),
  keyRotationDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
  accessTokenFormat: Type.Optional(Type.Union([Type.Literal('jwt'), Type.Literal('opaque')])),
  allowPlainPkce: Type.Optional(Type.Boolean()),
  signingAlg: Type.Optional(Type.Union([Type.Literal('ES256'), Type.Literal('RS256'), Type.Literal('EdDSA')])),
  scopes: Type.Optional(Type.Array(Scope)),
  clients: Type.Optional(Type.Array(ImportClient)),
}, Strict);

const User = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 200 }),
  password: Type.String({ minLength: 1, maxLength: 1000 }),
  email: Type.Optional(Type.String({ maxLength: 320 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  disabled: Type.Optional(Type.Boolean()),
}, Strict);

const Tenant = Type.Object({
  id: Id,
  name: Type.Optional(Type.String({ maxLength: 200 })),
  users: Type.Optional(Type.Array(User)),
  servers: Type.Optional(Type.Array(ImportServer)),
}, Strict);

export const ImportFile = Type.Object({ tenants: Type.Array(Tenant) }, Strict);

export type ImportFileData = Static<typeof ImportFile>;
export type ImportClientData = Static<typeof ImportClient>;
export type ImportServerData = Static<typeof ImportServer>;

/** Ids that would collide with Pixie's own paths. */
export const RESERVED_IDS = new Set([
  'api', 'oauth', 'oauth2', 'apps', 'login', 'logout', 'consent', 'account', 'pkce', 'healthz', 'readyz', 'metrics', 'static', '.well-known',
]);
