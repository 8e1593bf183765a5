/** /consent: names the app, its domain and each scope in plain words; Authorize or Deny. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorRedirect } from '../../../core/authorize/redirect.js';
import { AppError, OAuthError } from '../../../core/errors.js';
import { decideConsent, loginSatisfied } from '../../../core/interaction/flow.js';
import type { Client, Interaction } from '../../../core/types.js';
import { FormBody, resolveServer } from '../../context.js';
import { policyNamed } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken, currentSession } from '../../plugins/session.js';
import { consentPage } from '../../views/pages.js';
import { loadInteraction } from './interaction.js';

function appDomain(client: Client, interaction: Interaction): string {
  if (client.oauthDomain) return client.oauthDomain;
  try {
    return new URL(interaction.request.redirectUri).host;
  } catch {
    return interaction.request.redirectUri;
  }
}

async function requireInteraction(app: FastifyInstance, id: string | undefined): Promise<Interaction> {
  const interaction = id ? await loadInteraction(app, id) : null;
  if (!interaction) throw new AppError('not_found', 'This authorization request has expired. Go back to the application and start again.');
  return interaction;
}

export function consentRoutes(app: FastifyInstance): void {
  const config = { errorFormat: 'page' as const };
  app.get<{ Querystring: { interaction?: string } }>('/consent', { config }, async (request, reply: FastifyReply) => {
    const interaction = await requireInteraction(app, request.query.interaction);
    const r = interaction.request;
    const session = await currentSession(request, r.tenantId);
    if (!session || !loginSatisfied(interaction, session, app.pixie.deps.clock.now())) {
      return reply.redirect(`/login?interaction=${encodeURIComponent(interaction.id)}`, 302);
    }
    const rs = await resolveServer(app, r.tenantId, r.serverId);
    const [client, user] = await Promise.all([
      app.pixie.deps.stores.clients.find(r.tenantId, r.serverId, r.clientId),
      app.pixie.deps.stores.users.findById(r.tenantId, session.userId),
    ]);
    if (!client || !user) throw new AppError('not_found', 'This application no longer exists.');
    return sendPage(reply, 200, consentPage({
      csrf: csrfToken(request, reply), interaction: interaction.id, appName: client.name, appDomain: appDomain(client, interaction),
      username: user.name ?? user.username, scopes: r.scopes.map((name) => ({ name, description: rs.scopes.get(name) ?? name })),
      ...(r.resources?.length ? { resources: r.resources } : {}),
    }));
  });

  app.post<{ Body: Record<string, string> }>('/consent', { schema: { body: FormBody }, config }, async (request, reply) => {
    checkCsrf(request, request.body.csrf);
    const interaction = await requireInteraction(app, request.body.interaction);
    const r = interaction.request;
    const session = await currentSession(request, r.tenantId);
    if (!session || !loginSatisfied(interaction, session, app.pixie.deps.clock.now())) {
      return reply.redirect(`/login?interaction=${encodeURIComponent(interaction.id)}`, 303);
    }
    const rs = await resolveServer(app, r.tenantId, r.serverId);
    try {
      return reply.redirect(await decideConsent(app.pixie.deps, rs, policyNamed(r.policy, rs), interaction, session, request.body.decision === 'allow'), 303);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      // Deny (and any other protocol error) goes back to the verified redirect URI.
      return reply.redirect(errorRedirect({ redirectUri: r.redirectUri, state: r.state, responseType: r.responseType }, err, rs.issuer), 303);
    }
  });
}
