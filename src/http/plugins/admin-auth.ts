/**
 * Bearer authentication of the admin API: an access token issued by a tenant's
 * reserved `admin` server with scope `manage_configuration`. A token works for its own tenant;
 * a token of the `system` tenant works for every tenant and for `/api/system/*`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../admin/audit.js';
import { SYSTEM_TENANT_ID } from '../../admin/tenants.js';
import { AppError } from '../../core/errors.js';
import { ADMIN_SERVER_ID } from '../../core/scope.js';
import { findActiveToken } from '../../core/tokens/lookup.js';
import { hashOpaqueToken } from '../../crypto/opaque-token.js';

export const ADMIN_SCOPE = 'manage_configuration';
const REALM = 'pixie-admin';

declare module 'fastify' {
  interface FastifyRequest {
    adminActor?: Actor;
  }
  interface FastifyContextConfig {
    /** 'system': only admins of the `system` tenant. */
    adminAccess?: 'tenant' | 'system';
  }
}

/** RFC 6750 §3: 401 with a Bearer challenge; no error code when no token was sent. */
function unauthorized(reply: FastifyReply, message: string, error?: string): AppError {
  const params = [`realm="${REALM}"`, ...(error ? [`error="${error}"`, `error_description="${message.replace(/["\\]/g, '')}"`] : [])];
  reply.header('www-authenticate', `Bearer ${params.join(', ')}`);
  return new AppError('unauthorized', message);
}

function readBearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h || !/^bearer /i.test(h)) return null;
  const token = h.slice(7).trim();
  return token || null;
}

/** The tenant whose admin server issued the token: the JWT's `iss`, or the stored record of an opaque one. */
async function issuingTenant(request: FastifyRequest, token: string): Promise<{ tenantId: string; serverId: string } | null> {
  const { deps } = request.server.pixie;
  const parts = token.split('.');
  if (parts.length === 3) {
    let iss: unknown;
    try {
      iss = (JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { iss?: unknown }).iss;
    } catch {
      return null;
    }
    // Only a hint to pick the server; findActiveToken verifies the signature against its keys.
    const prefix = `${deps.publicUrl}/`;
    if (typeof iss !== 'string' || !iss.startsWith(prefix)) return null;
    const [tenantId, serverId, extra] = iss.slice(prefix.length).split('/');
    return tenantId && serverId && extra === undefined ? { tenantId, serverId } : null;
  }
  const rec = token.length <= 4096 ? await deps.stores.tokens.find(hashOpaqueToken(token)) : null;
  return rec ? { tenantId: rec.tenantId, serverId: rec.serverId } : null;
}

export async function authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { deps } = request.server.pixie;
  const token = readBearer(request);
  if (!token) throw unauthorized(reply, 'send an access token of the tenant admin server: Authorization: Bearer <token>');
  const issuer = await issuingTenant(request, token);
  if (!issuer || issuer.serverId !== ADMIN_SERVER_ID) {
    throw unauthorized(reply, 'the access token is invalid, expired, or not issued by an admin server', 'invalid_token');
  }
  const rs = await deps.directory.resolve(issuer.tenantId, ADMIN_SERVER_ID);
  const found = rs ? await findActiveToken(deps, rs, token) : null;
  // Only plain access tokens: not a refresh token, not a challenge-bound token without its verifier.
  const rec = found?.kind === 'access' && found.codeChallenge === null ? found : null;
  if (!rec) throw unauthorized(reply, 'the access token is invalid, expired, or not issued by an admin server', 'invalid_token');
  if (!rec.scope.split(' ').includes(ADMIN_SCOPE)) {
    reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${ADMIN_SCOPE}"`);
    throw new AppError('forbidden', `the access token lacks the scope ${ADMIN_SCOPE}`);
  }
  const tokenTenant = rec.tenantId;
  if (request.routeOptions.config.adminAccess === 'system') {
    if (tokenTenant !== SYSTEM_TENANT_ID) throw new AppError('forbidden', `only admins of the "${SYSTEM_TENANT_ID}" tenant may manage tenants`);
  } else {
    const target = (request.params as { tenant?: string }).tenant;
    if (tokenTenant !== SYSTEM_TENANT_ID && target !== tokenTenant) {
      throw new AppError('forbidden', `this token manages tenant "${tokenTenant}" only`);
    }
  }
  request.adminActor = { tenantId: tokenTenant, clientId: rec.clientId };
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.adminActor) throw new AppError('unauthorized', 'not authenticated');
  return request.adminActor;
}
