/**
 * Client authentication at the token, introspection and revocation endpoints:
 * client_secret_basic, client_secret_post, or none for public clients (RFC 6749 §2.3).
 */
import { safeEqual } from '../../crypto/digest.js';
import { hashOpaqueToken } from '../../crypto/opaque-token.js';
import type { CoreDeps } from '../deps.js';
import { InvalidClient, InvalidRequest } from '../errors.js';
import type { Client } from '../types.js';

export interface ClientCredentials {
  clientId: string;
  secret: string | null;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** Errors when a Basic header was sent must carry `WWW-Authenticate: Basic` (RFC 6749 §5.2). */
export class InvalidClientBasic extends InvalidClient {}

function decodeBasic(header: string): { id: string; secret: string } {
  const encoded = header.slice(6).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw new InvalidClientBasic('malformed Basic authorization header');
  try {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
    const plus = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: plus(decoded.slice(0, i)), secret: plus(decoded.slice(i + 1)) };
  } catch {
    throw new InvalidClientBasic('malformed Basic authorization header');
  }
}

/** Read the credentials from the request; exactly one method may be used (RFC 6749 §2.3). */
export function readClientCredentials(params: Record<string, string | undefined>, authorization: string | undefined): ClientCredentials {
  if (authorization && /^basic /i.test(authorization)) {
    if (params.client_secret !== undefined) throw new InvalidRequest('use one client authentication method, not both Basic and client_secret');
    const { id, secret } = decodeBasic(authorization);
    if (params.client_id !== undefined && params.client_id !== id) throw new InvalidClientBasic('client_id does not match the Basic credentials');
    return { clientId: id, secret, method: 'client_secret_basic' };
  }
  if (!params.client_id) throw new InvalidClient('client authentication failed: client_id is missing');
  if (params.client_secret !== undefined) return { clientId: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
  return { clientId: params.client_id, secret: null, method: 'none' };
}

const TOUCH_INTERVAL = 60;

/** Authenticate a client of `server`. A confidential client must present a live secret. */
export async function authenticateClient(
  deps: CoreDeps, tenantId: string, serverId: string, creds: ClientCredentials,
  opts: { secretOptionalForPublic?: boolean; secretOptionalForConfidential?: boolean } = {},
): Promise<Client> {
  const Fail = creds.method === 'client_secret_basic' ? InvalidClientBasic : InvalidClient;
  const client = await deps.stores.clients.find(tenantId, serverId, creds.clientId);
  if (!client) throw new Fail('client authentication failed: unknown client');
  if (client.public) {
    if (creds.secret !== null && !opts.secretOptionalForPublic) throw new Fail('public clients do not use a client secret');
    return client;
  }
  if (creds.secret === null) {
    // The caller then owes another proof (SE dialect: PKCE, checked by the grant).
    if (opts.secretOptionalForConfidential) return client;
    throw new Fail('client authentication failed: this client must send its client_secret');
  }
  if (!(await secretMatches(deps, client, creds.secret))) throw new Fail('client authentication failed: wrong or expired client secret');
  return client;
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
