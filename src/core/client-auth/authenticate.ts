/**
 * Client authentication at the token, introspection and revocation endpoints:
 * client_secret_basic, client_secret_post, or none for public clients (RFC 6749 §2.3), each
 * client with the one method it registered (token_endpoint_auth_method, RFC 7591 §2).
 */
import { safeEqual } from '../../crypto/digest.js';
import { hashOpaqueToken } from '../../crypto/opaque-token.js';
import { ClientDocumentError, findClient } from '../clients.js';
import type { CoreDeps } from '../deps.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import type { Client, TokenEndpointAuthMethod } from '../types.js';

export interface ClientCredentials {
  clientId: string;
  secret: string | null;
  method: TokenEndpointAuthMethod;
}

function decodeBasic(header: string): { id: string; secret: string } {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw new InvalidClient('malformed Basic authorization header');
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    const plus = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: plus(decoded.slice(0, i)), secret: plus(decoded.slice(i + 1)) };
  } catch {
    throw new InvalidClient('malformed Basic authorization header');
  }
}

/** Read the credentials from the request; exactly one method may be used (RFC 6749 §2.3). */
export function readClientCredentials(params: Record<string, string | undefined>, authorization: string | undefined): ClientCredentials {
  if (authorization && /^basic /i.test(authorization)) {
    if (params.client_secret !== undefined) throw new InvalidRequest('use one client authentication method, not both Basic and client_secret');
    const { id, secret } = decodeBasic(authorization);
    if (params.client_id !== undefined && params.client_id !== id) throw new InvalidClient('client_id does not match the Basic credentials');
    return { clientId: id, secret, method: 'client_secret_basic' };
  }
  if (!params.client_id) throw new InvalidClient('client authentication failed: client_id is missing');
  if (params.client_secret !== undefined) return { clientId: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
  return { clientId: params.client_id, secret: null, method: 'none' };
}

const TOUCH_INTERVAL = 60;

/** How each method presents the credentials, for error descriptions that say what to send. */
const HOW: Record<TokenEndpointAuthMethod, string> = {
  client_secret_basic: 'client_id and client_secret in an Authorization: Basic header',
  client_secret_post: 'client_id and client_secret in the form body',
  none: 'client_id in the form body and no client secret',
};

/**
 * The method a client must use: public clients have no secret, whatever else was stored;
 * confidential clients use the token_endpoint_auth_method they were registered with.
 */
function registeredMethod(client: Client): TokenEndpointAuthMethod {
  return client.public ? 'none' : client.tokenEndpointAuthMethod;
}

/**
 * RFC 7591 §2: a client uses the one method it registered (as node-oidc-provider and Keycloak
 * enforce). A secret that travels another way than agreed is refused before it is checked, with
 * a description that tells the client what to send and the operator what to change.
 */
function checkMethod(client: Client, used: ClientCredentials['method']): void {
  const registered = registeredMethod(client);
  if (!client.public && registered === 'none') {
    // Only an import file of an earlier release could store this; import files are checked now.
    throw new InvalidClient('client authentication failed: this confidential client is registered with token_endpoint_auth_method none,'
      + ' which carries no secret; have an administrator change it to client_secret_basic or client_secret_post');
  }
  if (used === registered) return;
  if (registered === 'none') {
    throw new InvalidClient(`client authentication failed: this is a public client (token_endpoint_auth_method none) without a secret; send ${HOW.none}`);
  }
  if (used === 'none') {
    throw new InvalidClient(`client authentication failed: this client is registered with token_endpoint_auth_method ${registered}; send ${HOW[registered]}`);
  }
  const other = registered === 'client_secret_basic' ? 'client_secret_post' : 'client_secret_basic';
  throw new InvalidClient(`client authentication failed: this client is registered with token_endpoint_auth_method ${registered}`
    + ` but sent its secret with ${used}; send ${HOW[registered]}, or have an administrator change the client's token_endpoint_auth_method to ${other}`);
}

/** Authenticate a client of `server` with the method it registered; a confidential client must present a live secret. */
export async function authenticateClient(
  deps: CoreDeps, tenantId: string, serverId: string, creds: ClientCredentials,
  opts: { secretOptionalForConfidential?: boolean } = {},
): Promise<Client> {
  let client: Client | null;
  try {
    client = await findClient(deps, tenantId, serverId, creds.clientId);
  } catch (err) {
    if (err instanceof ClientDocumentError) throw new InvalidClient(`client authentication failed: ${err.message}`);
    throw err;
  }
  if (!client) throw new InvalidClient('client authentication failed: unknown client');
  // The caller then owes another proof (a PKCE code, checked by the grant, where the endpoint's policy allows it).
  if (!client.public && creds.secret === null && opts.secretOptionalForConfidential) return client;
  checkMethod(client, creds.method);
  if (client.public) return client;
  if (!(await secretMatches(deps, client, creds.secret!))) throw new InvalidClient('client authentication failed: wrong or expired client secret');
  return client;
}

/**
 * Run an endpoint whose invalid_client errors must name its issuer as the realm of their
 * `WWW-Authenticate: Basic` challenge.
 */
export async function withClientRealm<T>(issuer: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidClient) err.realm ??= issuer;
    throw err;
  }
}

/** Any live (not revoked, not expired) secret of the client may match. */
export async function secretMatches(deps: CoreDeps, client: Client, secret: string): Promise<boolean> {
  const now = deps.clock.now();
  const hash = hashOpaqueToken(secret);
  const secrets = await deps.stores.clients.listSecrets(client.tenantId, client.serverId, client.clientId);
  let found = null;
  for (const s of secrets) {
    // Compare with every candidate so timing does not tell which secret matched.
    if (safeEqual(s.hash, hash) && s.revokedAt === null && (s.expiresAt === null || s.expiresAt > now)) found = s;
  }
  if (!found) return false;
  if (found.lastUsedAt === null || now - found.lastUsedAt > TOUCH_INTERVAL) await deps.stores.clients.touchSecret(found.id, now);
  return true;
}
