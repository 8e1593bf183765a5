/** /consent: names the app, its domain and each scope in plain words; Authorize or Deny. */
import type { FastifyInstance } from 'fastify';
import { errorRedirect } from '../../../core/authorize/redirect.js';
import { AppError, OAuthError } from '../../../core/errors.js';
import { decideConsent, loginSatisfied } from '../../../core/interaction/flow.js';
import { findInteraction, interactionParties } from '../../../core/interaction/pending.js';
import type { Client, Interaction } from '../../../core/types.js';
import { Type } from '../../../vendor/typebox.js';
import { Form, resolveServer } from '../../context.js';
import { policyNamed } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import { checkCsrf, csrfToken, currentSession } from '../../plugins/session.js';
import { typed } from '../../type-provider.js';
import { consentPage } from '../../views/pages.js';

const InteractionId = Type.String({ maxLength: 200 });
const ConsentQuery = Type.Object({ interaction: Type.Optional(InteractionId) });
const ConsentForm = Form('csrf', 'interaction', 'decision');

function appDomain(client: Client, interaction: Interaction): string {
  if (client.oauthDomain) return client.oauthDomain;
  try {
    return new URL(interaction.request.redirectUri).host;
  } catch {
    return interaction.request.redirectUri;
  }
}

async function requireInteraction(app: FastifyInstance, id: string | undefined): Promise<Interaction> {
  const interaction = await findInteraction(app.pixie.deps, id);
  if (!interaction) throw new AppError('not_found', 'This authorization request has expired. Go back to the application and start again.');
  return interaction;
}

export function consentRoutes(app: FastifyInstance): void {
  const r = typed(app);
  const config = { errorFormat: 'page' as const };
  r.get('/consent', { schema: { querystring: ConsentQuery }, config }, async (request, reply) => {
    const interaction = await requireInteraction(app, request.query.interaction);
    const req = interaction.request;
    const session = await currentSession(request, req.tenantId);
    if (!session || !loginSatisfied(interaction, session, app.pixie.deps.clock.now())) {
      return reply.redirect(`/login?interaction=${encodeURIComponent(interaction.id)}`, 302);
    }
    const rs = await resolveServer(app, req.tenantId, req.serverId);
    const { client, user } = await interactionParties(app.pixie.deps, interaction, session.userId);
    if (!client || !user) throw new AppError('not_found', 'This application no longer exists.');
    return sendPage(reply, 200, consentPage({
      csrf: await csrfToken(request, reply), interaction: interaction.id, appName: client.name, appDomain: appDomain(client, interaction),
      username: user.name ?? user.username, scopes: req.scopes.map((name) => ({ name, description: rs.scopes.get(name) ?? name })),
      unverified: client.dynamic === true,
      ...(req.deviceCode ? { device: true } : {}),
      ...(req.resources?.length ? { resources: req.resources } : {}),
    }));
  });

  r.post('/consent', { schema: { body: ConsentForm }, config }, async (request, reply) => {
    await checkCsrf(request, request.body.csrf);
    const interaction = await requireInteraction(app, request.body.interaction);
    const req = interaction.request;
    const session = await currentSession(request, req.tenantId);
    if (!session || !loginSatisfied(interaction, session, app.pixie.deps.clock.now())) {
      return reply.redirect(`/login?interaction=${encodeURIComponent(interaction.id)}`, 303);
    }
    const rs = await resolveServer(app, req.tenantId, req.serverId);
    try {
      return reply.redirect(await decideConsent(app.pixie.deps, rs, policyNamed(req.policy, rs), interaction, session, request.body.decision === 'allow'), 303);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      // Deny (and any other protocol error) goes back to the verified redirect URI.
      return reply.redirect(errorRedirect({ redirectUri: req.redirectUri, state: req.state, responseType: req.responseType }, err, rs.issuer), 303);
    }
  });
}
