/**
 * GET|POST /{tenant}/{server}/oauth2/logout (OpenID Connect RP-Initiated Logout 1.0) and the
 * confirmation form it may show. Bad requests are an error page, never a redirect.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedServer } from '../../../core/directory.js';
import { OAuthError } from '../../../core/errors.js';
import { logout } from '../../../core/interaction/login.js';
import {
  confirmationNames, END_SESSION_PARAMS, needsConfirmation, postLogoutRedirect, validateEndSessionRequest, type EndSessionRequest,
} from '../../../core/oidc/end-session.js';
import { Form, noStore, resolveServer, TenantServerParams } from '../../context.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, clearSessionCookie, csrfToken, currentSession, sessionCookieName } from '../../plugins/session.js';
import { endSessionPage, stillSignedInPage } from '../../views/end-session.js';
import { typed } from '../../type-provider.js';
import { errorPage, logoutPage } from '../../views/pages.js';

type Params = Record<string, string | undefined>;

/** The logout request (also accepted: `logout_hint`, `ui_locales`, ignored). */
const EndSessionQuery = Form(...END_SESSION_PARAMS);
/** The confirmation form: the request again, in hidden fields, with the user's choice. */
const ConfirmBody = Form(...END_SESSION_PARAMS, 'csrf', 'decision');

/** The validated request, or null after answering with the error page. */
async function validate(request: FastifyRequest, reply: FastifyReply, rs: ResolvedServer, raw: Params): Promise<EndSessionRequest | null> {
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
  const r = typed(app);
  const config = { errorFormat: 'page' as const };

  const handler = async (request: FastifyRequest, reply: FastifyReply, params: { tenant: string; server: string }, raw: Params) => {
    const rs = await resolveServer(app, params.tenant, params.server);
    const req = await validate(request, reply, rs, raw);
    if (!req) return reply;
    const session = await currentSession(request, rs.server.tenantId);
    if (!needsConfirmation(req, session)) return signOut(request, reply, rs, req);
    const { tenantName, username } = await confirmationNames(deps, rs.server.tenantId, session);
    return sendPage(reply, 200, endSessionPage({
      csrf: await csrfToken(request, reply), action: `/${rs.server.tenantId}/${rs.server.id}/oauth2/logout/confirm`,
      tenantName, appName: req.client?.name ?? null, username, fields: req.params,
    }));
  };
  r.get('/:tenant/:server/oauth2/logout', { schema: { params: TenantServerParams, querystring: EndSessionQuery }, config },
    (request, reply) => handler(request, reply, request.params, request.query));
  r.post('/:tenant/:server/oauth2/logout', { schema: { params: TenantServerParams, body: EndSessionQuery }, config },
    (request, reply) => handler(request, reply, request.params, request.body));

  r.post('/:tenant/:server/oauth2/logout/confirm', { schema: { params: TenantServerParams, body: ConfirmBody }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    // Validated again: the hidden fields came back through the browser.
    const req = await validate(request, reply, rs, request.body);
    if (!req) return reply;
    if (request.body.decision !== 'logout') return sendPage(reply, 200, stillSignedInPage((await confirmationNames(deps, rs.server.tenantId, null)).tenantName));
    return signOut(request, reply, rs, req);
  });
}
