/**
 * Bearer authentication of the admin API: an access token issued by a tenant's
 * reserved `admin` server with scope `manage_configuration`. A token works for its own tenant;
 * a token of the `system` tenant works for every tenant and for `/api/system/*`. A DPoP-bound
 * token (RFC 9449) is accepted only as userinfo accepts it: `Authorization: DPoP` with a proof
 * of its key over this request, so a stolen admin token is of no use without the key.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../admin/audit.js';
import { findAdminToken } from '../../admin/auth.js';
import { SYSTEM_TENANT_ID } from '../../admin/tenants.js';
import { checkPresentation } from '../../core/dpop/resource.js';
import { AppError, OAuthError } from '../../core/errors.js';
import { stringField } from '../context.js';
import { headerToken } from '../dpop.js';

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

/** RFC 6750 §3 (RFC 9449 §7.1 for DPoP): 401 with a challenge; no error code when no token was sent. */
function unauthorized(reply: FastifyReply, message: string, error?: string, scheme: 'Bearer' | 'DPoP' = 'Bearer'): AppError {
  const params = [`realm="${REALM}"`, ...(error ? [`error="${error}"`, `error_description="${message.replace(/["\\]/g, '')}"`] : [])];
  reply.header('www-authenticate', `${scheme} ${params.join(', ')}`);
  return new AppError('unauthorized', message);
}


export async function authenticateAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const presented = headerToken(request);
  if (!presented) throw unauthorized(reply, 'send an access token of the tenant admin server: Authorization: Bearer <token>');
  const deps = request.server.pixie.deps;
  const found = await findAdminToken(deps, presented.token);
  if (!found) throw unauthorized(reply, 'the access token is invalid, expired, or not issued by an admin server', 'invalid_token', presented.scheme);
  const { rec, rs } = found;
  try {
    await checkPresentation(deps, rs, rec, presented);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    if (err.dpopNonce) reply.header('dpop-nonce', err.dpopNonce);
    throw unauthorized(reply, err.description, err.error, rec.dpopJkt !== undefined || presented.scheme === 'DPoP' ? 'DPoP' : 'Bearer');
  }
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
