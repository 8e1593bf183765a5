import type { ClientOriginSource, ClientStore } from '../../core/ports.js';
import type { Client, ClientSecret, GrantType, IdTokenAlg, TokenEndpointAuthMethod } from '../../core/types.js';
import { param, statement, type SqlExecutor } from '../prepared.js';
import type { ClientSecretsTable, ClientsTable } from '../schema.js';
import { parseJson } from './json.js';

const where = { tenantId: 'tenant_id', serverId: 'server_id', clientId: 'client_id' } as const;

const findClient = statement('clients.find', (db) =>
  db.selectFrom('clients').selectAll()
    .where(where.tenantId, '=', param('tenantId')).where(where.serverId, '=', param('serverId'))
    .where(where.clientId, '=', param('clientId')),
  // Read on every token and introspection request (StatementOptions.cacheSeconds).
  { cacheSeconds: 1 },
);
const clientColumns = () => ({
  client_name: param('name'), description: param('description'), public: param<number>('public'),
  grant_types: param('grantTypes'), redirect_uris: param('redirectUris'), oauth_domain: param<string | null>('oauthDomain'),
  scopes: param('scopes'), response_types: param('responseTypes'),
  token_endpoint_auth_method: param('authMethod'), owner_user_id: param<string | null>('ownerUserId'),
  updated_at: param<number>('now'),
  require_pkce: param<number>('requirePkce'), non_web_redirect: param<number>('nonWebRedirect'),
  allowed_origins: param('allowedOrigins'), post_logout_redirect_uris: param('postLogoutRedirectUris'),
  id_token_signed_response_alg: param('idTokenAlg'),
  dynamic: param<number>('dynamic'), registration_token_hash: param<string | null>('registrationTokenHash'),
  idle_expires_at: param<number | null>('idleExpiresAt'), registration_metadata: param('registrationMetadata'),
  dpop_bound_access_tokens: param<number>('dpopBoundAccessTokens'),
});
const upsertClient = statement('clients.upsert', (db) =>
  db.insertInto('clients')
    .values({
      tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
      ...clientColumns(), created_at: param<number>('now'),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'server_id', 'client_id']).doUpdateSet(clientColumns())),
);
const listSecrets = statement('clientSecrets.list', (db) =>
  db.selectFrom('client_secrets').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).orderBy('created_at'),
  { cacheSeconds: 1 },
);
const addSecret = statement('clientSecrets.add', (db) =>
  db.insertInto('client_secrets').values({
    id: param('id'), tenant_id: param('tenantId'), server_id: param('serverId'), client_id: param('clientId'),
    name: param('name'), secret_hash: param('hash'), display_prefix: param('displayPrefix'),
    created_at: param<number>('createdAt'), expires_at: param<number | null>('expiresAt'),
    last_used_at: param<number | null>('lastUsedAt'), revoked_at: param<number | null>('revokedAt'),
  }),
);
const deleteSecretByName = statement('clientSecrets.deleteByName', (db) =>
  db.deleteFrom('client_secrets')
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('client_id', '=', param('clientId')).where('name', '=', param('name')),
);
const touchSecret = statement('clientSecrets.touch', (db) =>
  db.updateTable('client_secrets').set({ last_used_at: param<number>('now') }).where('id', '=', param('id')),
);
// Read by CORS preflights (a scan of the server's clients): cached so that it runs at most once
// per server every few seconds, however many requests ask.
const listOriginSources = statement('clients.listOriginSources', (db) =>
  db.selectFrom('clients').select(['redirect_uris', 'allowed_origins'])
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')),
  { cacheSeconds: 5 },
);
const listByOwner = statement('clients.listByOwner', (db) =>
  db.selectFrom('clients').selectAll()
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId'))
    .where('owner_user_id', '=', param('ownerUserId')).orderBy('created_at', 'desc'),
);
const deleteClient = statement('clients.delete', (db) =>
  db.deleteFrom('clients')
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).where('client_id', '=', param('clientId')),
);
const secretOf = { tenantId: 'tenant_id', serverId: 'server_id', clientId: 'client_id', id: 'id' } as const;
const revokeSecret = statement('clientSecrets.revoke', (db) =>
  db.updateTable('client_secrets').set({ revoked_at: param<number>('now') })
    .where(secretOf.tenantId, '=', param('tenantId')).where(secretOf.serverId, '=', param('serverId'))
    .where(secretOf.clientId, '=', param('clientId')).where(secretOf.id, '=', param('id')).where('revoked_at', 'is', null),
);
const setSecretExpiry = statement('clientSecrets.setExpiry', (db) =>
  db.updateTable('client_secrets').set({ expires_at: param<number | null>('expiresAt') })
    .where(secretOf.tenantId, '=', param('tenantId')).where(secretOf.serverId, '=', param('serverId'))
    .where(secretOf.clientId, '=', param('clientId')).where(secretOf.id, '=', param('id')).where('revoked_at', 'is', null),
);

const countDynamic = statement('clients.countDynamic', (db) =>
  db.selectFrom('clients').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', param('tenantId')).where('server_id', '=', param('serverId')).where('dynamic', '=', 1),
);
// Pushes back the idle expiry of a dynamic client; the caller writes at most once a day per client.
const touchDynamic = statement('clients.touchDynamic', (db) =>
  db.updateTable('clients').set({ idle_expires_at: param<number>('idleExpiresAt') })
    .where(where.tenantId, '=', param('tenantId')).where(where.serverId, '=', param('serverId'))
    .where(where.clientId, '=', param('clientId')).where('dynamic', '=', 1),
);

type OriginRow = Pick<ClientsTable, 'redirect_uris' | 'allowed_origins'>;

export function toClient(r: ClientsTable): Client {
  return {
    tenantId: r.tenant_id, serverId: r.server_id, clientId: r.client_id, name: r.client_name,
    description: r.description, public: r.public === 1, grantTypes: parseJson<GrantType[]>(r.grant_types, []),
    redirectUris: parseJson<string[]>(r.redirect_uris, []), oauthDomain: r.oauth_domain,
    scopes: parseJson<string[]>(r.scopes, []), responseTypes: parseJson<string[]>(r.response_types, []),
    tokenEndpointAuthMethod: r.token_endpoint_auth_method as TokenEndpointAuthMethod, ownerUserId: r.owner_user_id,
    requirePkce: r.require_pkce === 1, nonWebRedirect: r.non_web_redirect === 1,
    allowedOrigins: parseJson<string[]>(r.allowed_origins, []),
    postLogoutRedirectUris: parseJson<string[]>(r.post_logout_redirect_uris, []),
    idTokenSignedResponseAlg: r.id_token_signed_response_alg as IdTokenAlg,
    // Only dynamically registered clients carry their registration fields.
    ...(r.dynamic === 1 ? {
      dynamic: true, registrationTokenHash: r.registration_token_hash,
      idleExpiresAt: r.idle_expires_at === null ? null : Number(r.idle_expires_at), createdAt: Number(r.created_at),
      registrationMetadata: parseJson<Record<string, unknown>>(r.registration_metadata, {}),
    } : {}),
    ...(Number(r.dpop_bound_access_tokens) === 1 ? { dpopBoundAccessTokens: true } : {}),
  };
}

export function toSecret(r: ClientSecretsTable): ClientSecret {
  return {
    id: r.id, name: r.name, hash: r.secret_hash, displayPrefix: r.display_prefix, createdAt: r.created_at,
    expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
  };
}

/**
 * Parsed once per cached row: while the read cache hands out the same row object (clients and
 * secrets are cached reads), the same parsed value comes back without parsing its JSON again.
 * Callers treat what stores return as read-only.
 */
function memo<R extends object, T>(parsed: WeakMap<R, T>, row: R, parse: (r: R) => T): T {
  let value = parsed.get(row);
  if (value === undefined) {
    value = parse(row);
    parsed.set(row, value);
  }
  return value;
}

export function clientStore(x: SqlExecutor): ClientStore {
  const clients = new WeakMap<ClientsTable, Client>();
  const secrets = new WeakMap<ClientSecretsTable[], ClientSecret[]>();
  const originSources = new WeakMap<OriginRow[], ClientOriginSource[]>();
  return {
    find: async (tenantId, serverId, clientId) => {
      const row = await x.first(findClient, { tenantId, serverId, clientId });
      return row ? memo(clients, row, toClient) : null;
    },
    upsert: async (c, now) => {
      await x.run(upsertClient, {
        tenantId: c.tenantId, serverId: c.serverId, clientId: c.clientId, name: c.name, description: c.description,
        public: c.public ? 1 : 0, grantTypes: JSON.stringify(c.grantTypes), redirectUris: JSON.stringify(c.redirectUris),
        oauthDomain: c.oauthDomain, scopes: JSON.stringify(c.scopes), responseTypes: JSON.stringify(c.responseTypes),
        authMethod: c.tokenEndpointAuthMethod, ownerUserId: c.ownerUserId, now,
        requirePkce: c.requirePkce ? 1 : 0, nonWebRedirect: c.nonWebRedirect ? 1 : 0,
        allowedOrigins: JSON.stringify(c.allowedOrigins), postLogoutRedirectUris: JSON.stringify(c.postLogoutRedirectUris),
        idTokenAlg: c.idTokenSignedResponseAlg,
        dynamic: c.dynamic ? 1 : 0, registrationTokenHash: c.registrationTokenHash ?? null, idleExpiresAt: c.idleExpiresAt ?? null,
        registrationMetadata: JSON.stringify(c.registrationMetadata ?? {}),
        dpopBoundAccessTokens: c.dpopBoundAccessTokens ? 1 : 0,
      });
    },
    listSecrets: async (tenantId, serverId, clientId) =>
      memo(secrets, await x.all(listSecrets, { tenantId, serverId, clientId }), (rows) => rows.map(toSecret)),
    addSecret: async (tenantId, serverId, clientId, s) => {
      await x.run(addSecret, { tenantId, serverId, clientId, ...s });
    },
    deleteSecretsByName: async (tenantId, serverId, clientId, names) => {
      for (const name of names) await x.run(deleteSecretByName, { tenantId, serverId, clientId, name });
    },
    touchSecret: async (id, now) => { await x.run(touchSecret, { id, now }); },
    listOriginSources: async (tenantId, serverId) =>
      memo(originSources, await x.all(listOriginSources, { tenantId, serverId }), (rows) => rows.map((r) => ({
        redirectUris: parseJson<string[]>(r.redirect_uris, []), allowedOrigins: parseJson<string[]>(r.allowed_origins, []),
      }))),
    listByOwner: async (tenantId, serverId, ownerUserId) =>
      (await x.all(listByOwner, { tenantId, serverId, ownerUserId })).map(toClient),
    delete: async (tenantId, serverId, clientId) => { await x.run(deleteClient, { tenantId, serverId, clientId }); },
    revokeSecret: (tenantId, serverId, clientId, id, now) => x.run(revokeSecret, { tenantId, serverId, clientId, id, now }),
    setSecretExpiry: (tenantId, serverId, clientId, id, expiresAt) =>
      x.run(setSecretExpiry, { tenantId, serverId, clientId, id, expiresAt }),
    countDynamic: async (tenantId, serverId) => Number((await x.first(countDynamic, { tenantId, serverId }))?.n ?? 0),
    touchDynamic: async (tenantId, serverId, clientId, idleExpiresAt) => {
      await x.run(touchDynamic, { tenantId, serverId, clientId, idleExpiresAt });
    },
  };
}
