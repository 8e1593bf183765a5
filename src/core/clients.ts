/**
 * Finding the client a request names: a stored client, or, on a server with client ID metadata
 * documents turned on, the public client described by the JSON document at a `client_id` that
 * is a URL (the OAuth "client ID metadata document" draft, used by MCP clients). The document's
 * own `client_id` must be that URL; its metadata is checked like a dynamic registration's.
 */
import type { CoreDeps } from './deps.js';
import type { ResolvedServer } from './directory.js';
import { OAuthError } from './errors.js';
import { validateClientMetadata } from './registration.js';
import type { Client } from './types.js';

/** The client_id names a metadata document, or the document is unusable. */
export class ClientDocumentError extends Error {}

/** Stored client ids never contain `:` or `/` (admin API and import file), so a URL cannot shadow one. */
export function isClientIdUrl(clientId: string): boolean {
  return /^https?:\/\//.test(clientId);
}

async function fromDocument(deps: CoreDeps, rs: ResolvedServer, url: string): Promise<Client> {
  let doc: unknown;
  try {
    doc = await deps.clientDocuments!.fetchJson(url);
  } catch (err) {
    throw new ClientDocumentError(`the client ID metadata document at this client_id could not be used: it ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as Record<string, unknown>).client_id !== url) {
    throw new ClientDocumentError('the client ID metadata document\'s client_id is not the URL it was fetched from');
  }
  const body = { token_endpoint_auth_method: 'none', ...(doc as Record<string, unknown>) };
  let m;
  try {
    m = validateClientMetadata(body, rs.scopes);
  } catch (err) {
    if (err instanceof OAuthError) throw new ClientDocumentError(`the client ID metadata document is invalid: ${err.description}`);
    throw err;
  }
  if (m.tokenEndpointAuthMethod !== 'none') throw new ClientDocumentError('a client ID metadata document describes a public client: token_endpoint_auth_method must be none');
  return {
    tenantId: rs.server.tenantId, serverId: rs.server.id, clientId: url, name: m.name ?? new URL(url).host,
    description: 'described by its client ID metadata document', public: true, grantTypes: m.grantTypes, redirectUris: m.redirectUris,
    oauthDomain: null, scopes: m.scopes, responseTypes: m.responseTypes, tokenEndpointAuthMethod: 'none', ownerUserId: null,
    allowedOrigins: [], postLogoutRedirectUris: m.postLogoutRedirectUris, idTokenSignedResponseAlg: m.idTokenSignedResponseAlg,
    dynamic: true, metadataDocument: true, registrationMetadata: m.info,
    ...(m.dpopBoundAccessTokens ? { dpopBoundAccessTokens: true } : {}),
  };
}

/**
 * The client, or null when there is none. Throws ClientDocumentError when the id is a URL on
 * a server that resolves them and its document cannot be used (callers say why).
 */
export async function findClient(deps: CoreDeps, tenantId: string, serverId: string, clientId: string): Promise<Client | null> {
  const stored = await deps.stores.clients.find(tenantId, serverId, clientId);
  if (stored || !deps.clientDocuments || !isClientIdUrl(clientId)) return stored;
  const rs = await deps.directory.resolve(tenantId, serverId);
  if (!rs?.server.settings.clientIdMetadataDocuments) return null;
  return fromDocument(deps, rs, clientId);
}
