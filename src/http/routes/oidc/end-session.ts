/**
 * GET|POST /{tenant}/{server}/oauth2/logout (OpenID Connect RP-Initiated Logout 1.0) and the
 * confirmation form it may show. Bad requests are an error page, never a redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedServer } from '../../../core/directory.js';
import { OAuthError } from '../../../core/errors.js';
import { logout } from '../../../core/interaction/login.js';
import {
  needsConfirmation, postLogoutRedirect, validateEndSessionRequest, type EndSessionRequest,
} from '../../../core/oidc/end-session.js';
import { FormBody, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, clearSessionCookie, csrfToken, currentSession, sessionCookieName } from '../../plugins/session.js';
import { endSessionPage, stillSignedInPage } from '../../views/end-session.js';
import { errorPage, logoutPage } from '../../views/pages.js';

type P = { Params: { tenant: string; server: string } };
type Form = Record<string, string | undefined>;

async function tenantName(request: FastifyRequest, tenantId: string): Promise<string> {
  return (await request.server.pixie.deps.stores.tenants.get(tenantId))?.name || tenantId;
}

/** The validated request, or null after answering with the error page. */
async function validate(request: FastifyRequest, reply: FastifyReply, rs: ResolvedServer, raw: Form): Promise<EndSessionRequest | null> {
  try {
    return await validateEndSessionRequest(request.server.pixie.deps, rs, raw);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    sendPage(reply, 400, errorPage('This sign-out link is not valid', err.description, err.error));
    return null;
  }
}

/** End this browser's session of the tenant, then go where the relying party asked. */
async function signOut(request: FastifyRequest, reply: FastifyReply, rs: ResolvedServer, req: EndSessionRequest): Promise<FastifyReply> {
  const tenant = rs.server.tenantId;
  await logout(request.server.pixie.deps, request.cookies[sessionCookieName(tenant)]);
  clearSessionCookie(reply, tenant);
  const target = postLogoutRedirect(req);
  if (target) return noStore(reply).redirect(target, request.method === 'POST' ? 303 : 302);
  return sendPage(reply, 200, logoutPage('', tenant, false));
}

export function endSessionRoutes(app: FastifyInstance): void {
  const deps = app.pixie.deps;
  const config = { errorFormat: 'page' as const };

  const handler = async (request: FastifyRequest<P>, reply: FastifyReply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    const raw = (request.method === 'POST' ? request.body : request.query) as Form | undefined;
    const req = await validate(request, reply, rs, raw ?? {});
    if (!req) return reply;
    const session = await currentSession(request, rs.server.tenantId);
    if (!needsConfirmation(req, session)) return signOut(request, reply, rs, req);
    const user = session ? await deps.stores.users.findById(session.tenantId, session.userId) : null;
    return sendPage(reply, 200, endSessionPage({
      csrf: await csrfToken(request, reply), action: `/${rs.server.tenantId}/${rs.server.id}/oauth2/logout/confirm`,
      tenantName: await tenantName(request, rs.server.tenantId), appName: req.client?.name ?? null,
      username: user?.username ?? null, fields: req.params,
    }));
  };
  app.get<P>('/:tenant/:server/oauth2/logout', { schema: { params: TenantServerParams, querystring: FormBody }, config }, handler);
  app.post<P>('/:tenant/:server/oauth2/logout', { schema: { params: TenantServerParams, body: FormBody }, config }, handler);

  app.post<P & { Body: Form }>('/:tenant/:server/oauth2/logout/confirm', { schema: { params: TenantServerParams, body: FormBody }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    // Validated again: the hidden fields came back through the browser.
    const req = await validate(request, reply, rs, request.body);
    if (!req) return reply;
    if (request.body.decision !== 'logout') return sendPage(reply, 200, stillSignedInPage(await tenantName(request, rs.server.tenantId)));
    return signOut(request, reply, rs, req);
  });
}
