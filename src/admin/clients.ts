/** Clients of a tenant's servers: create from JSON, list, show, update, delete. */
import { clientWithDefaults } from '../core/client-defaults.js';
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import { checkAllowedOrigin, checkRegisteredRedirectUri } from '../core/redirect-uri.js';
import { serverScopes } from '../core/scope.js';
import type { AuthorizationServer, Client } from '../core/types.js';
import { recordChange, type Actor } from './audit.js';
import { decodeCursor, page, type Page } from './pagination.js';
import type { ClientCreateData, ClientUpdateData, ClientView } from './schemas.js';
import { issueSecret } from './secrets.js';
import { getServer } from './servers.js';
import { getTenant } from './tenants.js';

export function clientView(c: Client): ClientView {
  return {
    authorization_server_id: c.serverId, client_id: c.clientId, client_name: c.name, description: c.description,
    public: c.public, grant_types: c.grantTypes, redirect_uris: c.redirectUris, oauth_domain: c.oauthDomain,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod, response_types: c.responseTypes as ClientView['response_types'],
    scopes: c.scopes, owner_user_id: c.ownerUserId, allowed_origins: c.allowedOrigins,
    post_logout_redirect_uris: c.postLogoutRedirectUris, id_token_signed_response_alg: c.idTokenSignedResponseAlg,
    dynamic: c.dynamic ?? false, dpop_bound_access_tokens: c.dpopBoundAccessTokens ?? false,
  };
}

const invalid = (field: string, message: string) => new AppError('validation_failed', `body parameter "${field}" ${message}`);

/** Rules across fields that a JSON schema cannot say (RFC 7591 §2). */
function checkClient(c: Client, server: AuthorizationServer): void {
  c.redirectUris.forEach((u, i) => {
    const bad = checkRegisteredRedirectUri(u);
    if (bad) throw invalid(`redirect_uris.${i}`, bad);
  });
  c.postLogoutRedirectUris.forEach((u, i) => {
    const bad = checkRegisteredRedirectUri(u);
    if (bad) throw invalid(`post_logout_redirect_uris.${i}`, bad);
  });
  c.allowedOrigins.forEach((o, i) => {
    const bad = checkAllowedOrigin(o);
    if (bad) throw invalid(`allowed_origins.${i}`, bad);
  });
  if (c.public && c.tokenEndpointAuthMethod !== 'none') throw invalid('token_endpoint_auth_method', 'must be "none" for a public client');
  if (!c.public && c.tokenEndpointAuthMethod === 'none') throw invalid('token_endpoint_auth_method', 'must not be "none" for a confidential client');
  if (c.public && c.grantTypes.includes('client_credentials')) throw invalid('grant_types', 'must not include client_credentials for a public client');
  const redirects = c.grantTypes.includes('authorization_code') || c.grantTypes.includes('implicit');
  if (redirects && c.redirectUris.length === 0 && c.oauthDomain === null) {
    throw invalid('redirect_uris', 'must list at least one URI (or set oauth_domain) for the authorization_code and implicit grants');
  }
  if (c.responseTypes.includes('token') && !c.grantTypes.includes('implicit')) throw invalid('response_types', 'may include "token" only with the implicit grant');
  if (c.responseTypes.includes('code') && !c.grantTypes.includes('authorization_code')) throw invalid('response_types', 'may include "code" only with the authorization_code grant');
  const known = serverScopes(server);
  c.scopes.forEach((s, i) => {
    if (!known.has(s)) throw invalid(`scopes.${i}`, `"${s}" is not a scope of authorization server "${server.id}"`);
  });
}

export async function createClient(
  deps: CoreDeps, actor: Actor, tenantId: string, data: ClientCreateData,
): Promise<ClientView & { client_secret?: string }> {
  await getTenant(deps, tenantId);
  const server = await getServer(deps, tenantId, data.authorization_server_id).catch(() => {
    throw invalid('authorization_server_id', `"${data.authorization_server_id}" is not a server of tenant "${tenantId}"`);
  });
  const client = clientWithDefaults(tenantId, server.id, data);
  const isPublic = client.public;
  checkClient(client, server);
  const now = deps.clock.now();
  return deps.stores.transaction(async () => {
    if (await deps.stores.clients.find(tenantId, server.id, client.clientId)) {
      throw new AppError('conflict', `client "${client.clientId}" already exists on authorization server "${server.id}"`);
    }
    await deps.stores.clients.upsert(client, now);
    await recordChange(deps, actor, tenantId, 'client.create', `${server.id}/${client.clientId}`, { public: isPublic });
    if (isPublic) return clientView(client);
    // A confidential client is usable at once: its first secret, shown only in this response.
    const secret = await issueSecret(deps, actor, client, { name: 'default' });
    return { ...clientView(client), client_secret: secret.secret };
  });
}

export async function getClient(deps: CoreDeps, tenantId: string, serverId: string, clientId: string): Promise<Client> {
  const c = await deps.stores.clients.find(tenantId, serverId, clientId);
  if (!c) throw new AppError('not_found', `no client "${clientId}" on authorization server "${serverId}" of tenant "${tenantId}"`);
  return c;
}

export async function listClients(
  deps: CoreDeps, tenantId: string, q: { limit?: number | string; cursor?: string; authorization_server_id?: string; dynamic?: 'true' | 'false' },
): Promise<Page<ClientView>> {
  await getTenant(deps, tenantId);
  const [serverId, clientId] = decodeCursor(q.cursor, ['', '']);
  const dynamic = q.dynamic === undefined ? null : q.dynamic === 'true';
  return page(q.limit, (n) => deps.stores.admin.listClients(tenantId, q.authorization_server_id ?? null, { serverId, clientId }, n, dynamic),
    (c) => [c.serverId, c.clientId], clientView);
}

export async function updateClient(
  deps: CoreDeps, actor: Actor, tenantId: string, serverId: string, clientId: string, data: ClientUpdateData,
): Promise<ClientView> {
  const server = await getServer(deps, tenantId, serverId);
  return deps.stores.transaction(async () => {
    const c = await getClient(deps, tenantId, serverId, clientId);
    const next: Client = {
      ...c, name: data.client_name ?? c.name, description: data.description ?? c.description, public: data.public ?? c.public,
      grantTypes: (data.grant_types) ?? c.grantTypes, redirectUris: data.redirect_uris ?? c.redirectUris,
      oauthDomain: data.oauth_domain !== undefined ? data.oauth_domain : c.oauthDomain, scopes: data.scopes ?? c.scopes,
      responseTypes: data.response_types ?? c.responseTypes, tokenEndpointAuthMethod: data.token_endpoint_auth_method ?? c.tokenEndpointAuthMethod,
      allowedOrigins: data.allowed_origins ?? c.allowedOrigins,
      postLogoutRedirectUris: data.post_logout_redirect_uris ?? c.postLogoutRedirectUris,
      idTokenSignedResponseAlg: data.id_token_signed_response_alg ?? c.idTokenSignedResponseAlg,
      dpopBoundAccessTokens: data.dpop_bound_access_tokens ?? c.dpopBoundAccessTokens ?? false,
    };
    checkClient(next, server);
    await deps.stores.clients.upsert(next, deps.clock.now());
    await recordChange(deps, actor, tenantId, 'client.update', `${serverId}/${clientId}`, { fields: Object.keys(data) });
    return clientView(next);
  });
}

export async function deleteClient(deps: CoreDeps, actor: Actor, tenantId: string, serverId: string, clientId: string): Promise<void> {
  await deps.stores.transaction(async () => {
    if (!(await deps.stores.admin.deleteClient(tenantId, serverId, clientId, deps.clock.now()))) {
      throw new AppError('not_found', `no client "${clientId}" on authorization server "${serverId}" of tenant "${tenantId}"`);
    }
    await recordChange(deps, actor, tenantId, 'client.delete', `${serverId}/${clientId}`);
  });
}
