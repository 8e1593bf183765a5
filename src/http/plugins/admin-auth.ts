/**
 * Bearer authentication of the admin API: an access token issued by a tenant's
 * reserved `admin` server with scope `manage_configuration`. A token works for its own tenant;
 * a token of the `system` tenant works for every tenant and for `/api/system/*`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../admin/audit.js';
import { findAdminToken } from '../../admin/auth.js';
import { SYSTEM_TENANT_ID } from '../../admin/tenants.js';
import { AppError } from '../../core/errors.js';
import { stringField } from '../context.js';

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

export async function authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = readBearer(request);
  if (!token) throw unauthorized(reply, 'send an access token of the tenant admin server: Authorization: Bearer <token>');
  const rec = await findAdminToken(request.server.pixie.deps, token);
  if (!rec) throw unauthorized(reply, 'the access token is invalid, expired, or not issued by an admin server', 'invalid_token');
  if (!rec.scope.split(' ').includes(ADMIN_SCOPE)) {
    reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${ADMIN_SCOPE}"`);
    throw new AppError('forbidden', `the access token lacks the scope ${ADMIN_SCOPE}`);
  }
  const tokenTenant = rec.tenantId;
  if (request.routeOptions.config.adminAccess === 'system') {
    if (tokenTenant !== SYSTEM_TENANT_ID) throw new AppError('forbidden', `only admins of the "${SYSTEM_TENANT_ID}" tenant may manage tenants`);
  } else {
    // Before validation (an onRequest hook): the route's params are not checked yet.
    const target = stringField(request.params, 'tenant');
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
