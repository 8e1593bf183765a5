/** /login and /logout: the sign-in form, its throttled submission, and sign-out. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findClient } from '../../../core/clients.js';
import { AppError } from '../../../core/errors.js';
import { afterAuthentication } from '../../../core/interaction/flow.js';
import { login, logout } from '../../../core/interaction/login.js';
import { FormBody, resolveServer } from '../../context.js';
import { policyNamed } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import {
  checkCsrf, clearSessionCookie, csrfToken, currentSession, deviceCookie, rotateCsrfCookie, sessionCookieName, setDeviceCookie, setSessionCookie,
} from '../../plugins/session.js';
import { loginPage, logoutPage } from '../../views/pages.js';
import { outcomeRedirect } from '../oauth/authorize.js';
import { loadInteraction } from './interaction.js';

type LoginQuery = { interaction?: string; tenant?: string; return_to?: string };

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
  const interaction = q.interaction ? await loadInteraction(request.server, q.interaction) : null;
  const tenant = interaction?.request.tenantId ?? tenantOr(q.tenant);
  let appName: string | null = null;
  if (interaction) {
    const r = interaction.request;
    appName = (await findClient(request.server.pixie.deps, r.tenantId, r.serverId, r.clientId).catch(() => null))?.name ?? null;
  }
  return sendPage(reply, status, loginPage({
    csrf: await csrfToken(request, reply), interaction: interaction?.id ?? null, tenant, returnTo: safeReturnTo(q.return_to),
    username, error, appName,
  }));
}

export function loginRoutes(app: FastifyInstance): void {
  const config = { errorFormat: 'page' as const };
  app.get<{ Querystring: LoginQuery }>('/login', { config }, (request, reply) => renderLogin(request, reply, request.query));

  app.post<{ Body: Record<string, string> }>('/login', { schema: { body: FormBody }, config }, async (request, reply) => {
    const b = request.body;
    await checkCsrf(request, b.csrf);
    const interaction = b.interaction ? await loadInteraction(app, b.interaction) : null;
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

  app.get<{ Querystring: { tenant?: string } }>('/logout', { config }, async (request, reply) => {
    const tenant = tenantOr(request.query.tenant);
    const signedIn = (await currentSession(request, tenant)) !== null;
    return sendPage(reply, 200, logoutPage(await csrfToken(request, reply), tenant, signedIn));
  });

  app.post<{ Body: Record<string, string> }>('/logout', { schema: { body: FormBody }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const tenant = tenantOr(request.body.tenant);
    await logout(app.pixie.deps, request.cookies[sessionCookieName(tenant)]);
    clearSessionCookie(reply, tenant);
    return sendPage(reply, 200, logoutPage('', tenant, false));
  });
}
