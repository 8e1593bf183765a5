/** GET|POST /{tenant}/{server}/oauth2/authorize (RFC 6749 §4.1.1). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkAuthorizeSizes } from '../../../core/authorize/limits.js';
import { checkPushedRequestNotRequired, takePushedRequest } from '../../../core/authorize/pushed.js';
import { errorRedirect } from '../../../core/authorize/redirect.js';
import { validateAuthorizationRequest, type RawParams, type RedirectTarget } from '../../../core/authorize/validate-request.js';
import type { ResolvedServer } from '../../../core/directory.js';
import { AuthorizePageError, InvalidRequest, OAuthError } from '../../../core/errors.js';
import { startAuthorization, type AuthorizeOutcome } from '../../../core/interaction/flow.js';
import type { EndpointPolicy } from '../../../core/policy.js';
import { RepeatableQuery, resolveServer, TenantServerParams } from '../../context.js';
import { oauthPolicy } from '../../endpoint-policy.js';
import { currentSession } from '../../plugins/session.js';
import { sendPage } from '../../plugins/page-headers.js';
import { typed } from '../../type-provider.js';
import { errorPage } from '../../views/pages.js';

/**
 * The parameters of an authorization request (RFC 6749 §4.1.1, §4.2.1, RFC 7636 §4.3, OIDC Core
 * §3.1.2.1). Values may repeat here: handleAuthorize answers a repeated one (with an error page
 * or an error redirect), and checks sizes itself (core/authorize/limits.ts).
 */
export const AuthorizeParams = RepeatableQuery(
  'response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method',
  'response_mode', 'nonce', 'prompt', 'max_age', 'login_hint', 'dpop_jkt',
  // RFC 9126 §4: a pushed request; then every parameter but client_id is the pushed one.
  'request_uri',
);

/** Parameters that decide where errors go: duplicated, they make the request untrustworthy. */
const TARGET_PARAMS = ['client_id', 'redirect_uri'];

/**
 * Single values, and the names sent more than once. Where the policy takes resource indicators,
 * `resource` may repeat (RFC 8707 §2) and is returned apart.
 */
function splitParams(raw: Record<string, unknown>, takesResources: boolean): { params: RawParams; duplicated: string[]; resources: string[] } {
  const params: RawParams = {};
  const duplicated: string[] = [];
  const resources: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (takesResources && k === 'resource') resources.push(...[v].flat().map(String));
    else if (typeof v === 'string') params[k] = v;
    else duplicated.push(k);
  }
  return { params, duplicated, resources };
}

export function outcomeRedirect(reply: FastifyReply, outcome: AuthorizeOutcome): FastifyReply {
  if (outcome.kind === 'redirect') return reply.redirect(outcome.url, 302);
  const page = outcome.kind === 'login' ? '/login' : '/consent';
  return reply.redirect(`${page}?interaction=${encodeURIComponent(outcome.interactionId)}`, 302);
}

/** Shared by /oauth2/authorize and the Stack Exchange /oauth and /oauth/dialog. */
export async function handleAuthorize(
  request: FastifyRequest, reply: FastifyReply, rs: ResolvedServer, raw: Record<string, unknown>,
  policy: EndpointPolicy, overrides: RawParams = {},
): Promise<FastifyReply> {
  const { deps, config } = request.server.pixie;
  const { params, duplicated, resources } = splitParams(raw, policy.resources !== null);
  Object.assign(params, overrides);
  let target: RedirectTarget | null = null;
  try {
    checkAuthorizeSizes(raw);
    const dupTarget = duplicated.find((d) => TARGET_PARAMS.includes(d));
    if (dupTarget) throw new AuthorizePageError('invalid_request', `parameter "${dupTarget}" was sent more than once`);
    const pushed = policy.pushedRequests && (params.request_uri !== undefined || duplicated.includes('request_uri'));
    if (pushed && params.request_uri === undefined) throw new AuthorizePageError('invalid_request', 'parameter "request_uri" was sent more than once');
    // RFC 9126 §4: the pushed request replaces the query, whose other parameters are ignored.
    const asked = pushed
      ? await takePushedRequest(deps, rs, params.client_id, params.request_uri!, (t) => (target = t))
      : { params, resources };
    const { client, request: authz } = await validateAuthorizationRequest(deps, rs, asked.params, policy, (t) => (target = t), asked.resources);
    if (!pushed) checkPushedRequestNotRequired(rs, client);
    if (duplicated.length && !pushed) throw new InvalidRequest(`parameter "${duplicated[0]}" was sent more than once`);
    const session = await currentSession(request, rs.server.tenantId);
    const limits = { ip: request.ip, perIp: config.pendingSignInsPerIp, total: config.pendingSignInsMax };
    return outcomeRedirect(reply, await startAuthorization(deps, rs, policy, authz, session, limits));
  } catch (err) {
    if (err instanceof OAuthError && err.redirectable && target) return reply.redirect(errorRedirect(target, err, rs.issuer), 302);
    if (err instanceof OAuthError) return sendPage(reply, 400, errorPage('This sign-in link is not valid', err.description, err.error));
    throw err;
  }
}

export function authorizeRoutes(app: FastifyInstance): void {
  const r = typed(app);
  const config = { errorFormat: 'page' as const };
  r.get('/:tenant/:server/oauth2/authorize', { schema: { params: TenantServerParams, querystring: AuthorizeParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return handleAuthorize(request, reply, rs, request.query, oauthPolicy(rs));
  });
  // RFC 6749 §3.1: the authorization endpoint supports POST too, with the same parameters in a form.
  r.post('/:tenant/:server/oauth2/authorize', { schema: { params: TenantServerParams, body: AuthorizeParams }, config }, async (request, reply) => {
    const rs = await resolveServer(app, request.params.tenant, request.params.server);
    return handleAuthorize(request, reply, rs, request.body, oauthPolicy(rs));
  });
}
