/** /login and /logout: the sign-in form, its throttled submission, and sign-out. */
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors.js';
import { afterAuthentication } from '../../../core/interaction/flow.js';
import { login, logout } from '../../../core/interaction/login.js';
import { findInteraction, interactionParties } from '../../../core/interaction/pending.js';
import { Type } from '../../../vendor/typebox.js';
import { Form, resolveServer } from '../../context.js';
import { policyNamed } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import {
  checkCsrf, clearSessionCookie, csrfToken, currentSession, deviceCookie, rotateCsrfCookie, sessionCookieName, setDeviceCookie, setSessionCookie,
} from '../../plugins/session.js';
import { loginPage, logoutPage } from '../../views/pages.js';
import { typed } from '../../type-provider.js';
import { outcomeRedirect } from '../oauth/authorize.js';

const QueryValue = Type.Optional(Type.String({ maxLength: 2000 }));
const LoginQuery = Type.Object({ interaction: QueryValue, tenant: QueryValue, return_to: QueryValue });
type LoginQuery = Static<typeof LoginQuery>;
const LoginForm = Form('csrf', 'interaction', 'tenant', 'return_to', 'username', 'password');
const LogoutQuery = Type.Object({ tenant: QueryValue });
const LogoutForm = Form('csrf', 'tenant');

/** Only same-site relative paths: never an open redirect. */
export function safeReturnTo(value: string | undefined): string | null {
  return value && /^\/[A-Za-z0-9/_\-?=&.%]*$/.test(value) && !value.startsWith('//') ? value : null;
}

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function tenantOr(value: string | undefined, fallback = 'default'): string {
  return value && TENANT.test(value) ? value : fallback;
}

async function renderLogin(
  request: FastifyRequest, reply: FastifyReply, q: LoginQuery, status = 200, error: string | null = null, username = '',
): Promise<FastifyReply> {
  const { deps } = request.server.pixie;
  const interaction = await findInteraction(deps, q.interaction);
  const tenant = interaction?.request.tenantId ?? tenantOr(q.tenant);
  const appName = interaction ? (await interactionParties(deps, interaction, null)).client?.name ?? null : null;
  return sendPage(reply, status, loginPage({
    csrf: await csrfToken(request, reply), interaction: interaction?.id ?? null, tenant, returnTo: safeReturnTo(q.return_to),
    username, error, appName,
  }));
}

export function loginRoutes(app: FastifyInstance): void {
  const config = { errorFormat: 'page' as const };
  const r = typed(app);
  r.get('/login', { schema: { querystring: LoginQuery }, config }, (request, reply) => renderLogin(request, reply, request.query));

  r.post('/login', { schema: { body: LoginForm }, config }, async (request, reply) => {
    const b = request.body;
    await checkCsrf(request, b.csrf);
    const interaction = await findInteraction(app.pixie.deps, b.interaction);
    const tenant = interaction?.request.tenantId ?? tenantOr(b.tenant);
    const q = { interaction: b.interaction, tenant, return_to: b.return_to };
    if (!b.username || !b.password) return renderLogin(request, reply, q, 400, 'Enter your username and password.', b.username ?? '');
    let result;
    try {
      result = await login(app.pixie.deps, tenant, b.username, b.password, request.ip, deviceCookie(request, tenant));
    } catch (err) {
      if (err instanceof AppError) return renderLogin(request, reply, q, err.status, err.message, b.username);
      throw err;
    }
    setSessionCookie(request, reply, tenant, result.sessionToken);
    setDeviceCookie(request, reply, tenant, result.deviceCookie);
    rotateCsrfCookie(request, reply);
    if (!interaction) return reply.redirect(safeReturnTo(b.return_to) ?? '/apps', 303);
    const rs = await resolveServer(app, interaction.request.tenantId, interaction.request.serverId);
    return outcomeRedirect(reply.code(303), await afterAuthentication(app.pixie.deps, rs, policyNamed(interaction.request.policy, rs), interaction.request, result.session, interaction.id));
  });

  r.get('/logout', { schema: { querystring: LogoutQuery }, config }, async (request, reply) => {
    const tenant = tenantOr(request.query.tenant);
    const signedIn = (await currentSession(request, tenant)) !== null;
    return sendPage(reply, 200, logoutPage(await csrfToken(request, reply), tenant, signedIn));
  });

  r.post('/logout', { schema: { body: LogoutForm }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const tenant = tenantOr(request.body.tenant);
    await logout(app.pixie.deps, request.cookies[sessionCookieName(tenant)]);
    clearSessionCookie(reply, tenant);
    return sendPage(reply, 200, logoutPage('', tenant, false));
  });
}
