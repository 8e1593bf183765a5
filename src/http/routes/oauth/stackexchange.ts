/**
 * The Stack Exchange–compatible endpoints at the root, served by the
 * tenant/server of config.stackExchangeTenant/Server on top of the same core:
 * `/oauth` (code grant), `/oauth/dialog` (implicit, opt-in per app), `/oauth/access_token`
 * (form-encoded answer) and `/oauth/access_token/json`, `/oauth/login_success` (non-web apps).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedServer } from '../../../core/directory.js';
import { InvalidRequest } from '../../../core/errors.js';
import { handleTokenRequest } from '../../../core/token/endpoint.js';
import type { TokenResponse } from '../../../core/token/types.js';
import { isForm, noStore, resolveServer, type FormParams } from '../../context.js';
import { stackExchangePolicy } from '../../endpoint-policy.js';
import { sendPage } from '../../plugins/page-headers.js';
import { loginSuccessPage } from '../../views/login-success.js';
import { handleAuthorize } from './authorize.js';

function seServer(app: FastifyInstance): Promise<ResolvedServer> {
  const { stackExchangeTenant, stackExchangeServer } = app.pixie.config;
  return resolveServer(app, stackExchangeTenant, stackExchangeServer);
}

function singleValues(source: unknown, where: string): FormParams {
  const out: FormParams = {};
  for (const [k, v] of Object.entries((source ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new InvalidRequest(`${where} parameter "${k.slice(0, 40)}" must be given once, as a single value`);
    if (v.length > 8192) throw new InvalidRequest(`${where} parameter "${k.slice(0, 40)}" is too long`);
    out[k] = v;
  }
  return out;
}

/**
 * Stack Exchange clients send the parameters in a form body, or "as query parameters in
 * the URL" of the POST. Both are accepted (logged URLs are masked); a parameter sent in both
 * places is ambiguous and refused. Stack Exchange clients send no grant_type: the code grant.
 */
function tokenParams(request: FastifyRequest): FormParams {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !isForm(request)) throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
  const body = singleValues(request.body, 'body');
  const query = singleValues(request.query, 'query');
  for (const k of Object.keys(query)) {
    if (k in body) throw new InvalidRequest(`parameter "${k.slice(0, 40)}" was sent both in the URL and in the body`);
  }
  const params = { ...query, ...body };
  params.grant_type ??= 'authorization_code';
  return params;
}

/** As on Stack Exchange: `expires` is the seconds left, and is absent for a `no_expiry` token. */
function expiresField(res: TokenResponse): { expires?: number } {
  return res.expires_in !== undefined ? { expires: res.expires_in } : {};
}

async function exchange(app: FastifyInstance, request: FastifyRequest): Promise<TokenResponse> {
  const rs = await seServer(app);
  return handleTokenRequest(app.pixie.deps, app.pixie.registry, rs, {
    params: tokenParams(request), authorization: request.headers.authorization, policy: stackExchangePolicy(rs.server.settings),
  });
}

export function stackExchangeRoutes(app: FastifyInstance): void {
  const page = { errorFormat: 'page' as const };
  app.get('/oauth', { config: page }, async (request, reply) => {
    const raw = (request.query ?? {}) as Record<string, unknown>;
    // Stack Exchange clients never send response_type on /oauth: it is the code grant.
    const rs = await seServer(app);
    return handleAuthorize(request, reply, rs, raw, stackExchangePolicy(rs.server.settings), raw.response_type === undefined ? { response_type: 'code' } : {});
  });
  app.get('/oauth/dialog', { config: page }, async (request, reply) => {
    const raw = (request.query ?? {}) as Record<string, unknown>;
    // The implicit grant; validation refuses apps that did not enable it.
    const rs = await seServer(app);
    return handleAuthorize(request, reply, rs, raw, stackExchangePolicy(rs.server.settings), { response_type: 'token' });
  });

  app.post('/oauth/access_token', { config: { errorFormat: 'oauth-form' } }, async (request, reply: FastifyReply) => {
    const res = await exchange(app, request);
    const body = new URLSearchParams({ access_token: res.access_token });
    const { expires } = expiresField(res);
    if (expires !== undefined) body.set('expires', String(expires));
    return noStore(reply).type('application/x-www-form-urlencoded').send(body.toString());
  });
  app.post('/oauth/access_token/json', { config: { errorFormat: 'oauth-json' } }, async (request, reply: FastifyReply) => {
    const res = await exchange(app, request);
    return noStore(reply).send({ ...res, ...expiresField(res) });
  });

  app.get<{ Querystring: Record<string, unknown> }>('/oauth/login_success', { config: page }, async (request, reply) => {
    const q = request.query ?? {};
    const pick = (k: string) => (typeof q[k] === 'string' ? (q[k]).slice(0, 2000) : null);
    const error = pick('error');
    return sendPage(reply, 200, loginSuccessPage({
      code: pick('code'), state: pick('state'), error, errorDescription: pick('error_description'),
    }));
  });
}
